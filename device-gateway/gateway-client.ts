import { randomBytes } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { sendWithoutDelay } from './no-delay.ts';

// The gateway's one connection to the broker. With MQTT 5 the session is persistent but bounded: it
// outlives a broker restart or a short network cut (the broker keeps the subscription and the QoS 1
// requests meanwhile), and it is ended explicitly when the gateway stops.

/** A gateway's broker session outlives a broker restart or a short network cut, not a gateway's end. */
const sessionExpirySeconds = 120;
const reconnectPeriodMs = 500;
const connectTimeoutMs = 5_000;
const keepaliveSeconds = 30;

export type GatewayClient = {
  client: MqttClient;
  publish: (topic: string, payload: string, retain: boolean) => Promise<void>;
  connected: () => Promise<void>;
  /** Disconnects (ending an MQTT 5 session), forcing the socket closed after `timeoutMs`. */
  end: (timeoutMs: number) => Promise<void>;
};

export const connectGatewayClient = (options: {
  mqttUrl: string;
  protocolVersion: 4 | 5;
  clientId: string | undefined;
  /** The broker sends no more unacknowledged requests than this (MQTT 5 receive maximum). */
  receiveMaximum: number;
  logger: Logger;
}): GatewayClient => {
  const { protocolVersion, logger } = options;
  const client = mqtt.connect(options.mqttUrl, {
    clientId: options.clientId ?? `ledger-gateway-${randomBytes(6).toString('hex')}`,
    protocolVersion,
    // 3.1.1 has no session expiry: a persistent session would outlive the gateway, so it stays clean.
    clean: protocolVersion !== 5,
    ...(protocolVersion === 5
      ? {
          properties: { sessionExpiryInterval: sessionExpirySeconds, receiveMaximum: options.receiveMaximum },
        }
      : {}),
    reconnectPeriod: reconnectPeriodMs,
    connectTimeout: connectTimeoutMs,
    keepalive: keepaliveSeconds,
  });
  sendWithoutDelay(client);
  client.on('error', (error) => logger.warn({ err: error }, 'device gateway MQTT error'));
  client.on('reconnect', () => logger.info('device gateway reconnecting to the broker'));

  return {
    client,
    publish: async (topic, payload, retain) => {
      await client.publishAsync(topic, payload, { qos: 1, retain });
    },
    connected: async () => {
      if (!client.connected) await new Promise((resolve) => client.once('connect', resolve));
    },
    end: (timeoutMs) =>
      new Promise<void>((resolve) => {
        // Ending the session (expiry 0) keeps the broker from queueing requests for a gateway that is gone.
        const disconnect = protocolVersion === 5 ? { properties: { sessionExpiryInterval: 0 } } : {};
        const force = setTimeout(() => client.end(true, () => resolve()), timeoutMs);
        client.end(false, disconnect, () => {
          clearTimeout(force);
          resolve();
        });
      }),
  };
};
