import net from 'node:net';
import { Aedes } from 'aedes';

// The embedded default (`npm start` without MQTT_URL): an in-process aedes broker on loopback. aedes
// speaks MQTT 3.1.1, so the gateway connects to it with `mqttProtocolVersion: 4` (no shared subscriptions).

export type EmbeddedBroker = { url: string; port: number; stop: () => Promise<void> };

/** Long enough for any device or gateway id we make. */
const maxClientIdLength = 128;

export const startEmbeddedBroker = async (options: {
  port: number;
  host?: string;
}): Promise<EmbeddedBroker> => {
  const host = options.host ?? '127.0.0.1';
  const broker = await Aedes.createBroker({ maxClientsIdLength: maxClientIdLength });
  const server = net.createServer(broker.handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `mqtt://${host}:${port}`,
    port,
    stop: async () => {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};
