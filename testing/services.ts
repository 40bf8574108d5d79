import { randomBytes } from 'node:crypto';
import net from 'node:net';

// Where the integration tests find the real services, and what they do when one is missing:
// skip loudly, or fail when REQUIRE_SERVICES=1 (as CI sets it).

export type ServiceName = 'postgres' | 'kafka' | 'mqtt' | 'eventstoredb';

const connectTimeoutMs = 2_000;

export const serviceUrls = {
  postgres: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  kafka: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
  mqtt: process.env.MQTT_URL ?? 'mqtt://127.0.0.1:1883',
  eventstoredb: process.env.ESDB_URL ?? '',
} as const;

const hostPortOf = (service: ServiceName): { host: string; port: number } => {
  switch (service) {
    case 'postgres': {
      const url = new URL(serviceUrls.postgres);
      return { host: url.hostname || '127.0.0.1', port: Number(url.port || 5432) };
    }
    case 'kafka': {
      const [host = '127.0.0.1', port = '9092'] = (serviceUrls.kafka.split(',')[0] ?? '').split(':');
      return { host, port: Number(port) };
    }
    case 'mqtt': {
      const url = new URL(serviceUrls.mqtt);
      return { host: url.hostname, port: Number(url.port || 1883) };
    }
    case 'eventstoredb': {
      const url = new URL(serviceUrls.eventstoredb.replace(/^esdb(\+discover)?:/, 'http:'));
      return { host: url.hostname, port: Number(url.port || 2113) };
    }
  }
};

export const canConnect = (host: string, port: number, timeoutMs = connectTimeoutMs): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });

const reachability = new Map<ServiceName, Promise<boolean>>();

/**
 * True when the service answers. When it does not: with REQUIRE_SERVICES=1 this throws (the test file
 * fails, naming the service); otherwise it prints one loud line and returns false so the caller skips.
 * EventStoreDB is optional: it is only tried when ESDB_URL is set, and its absence never fails a run.
 */
export const serviceAvailable = async (service: ServiceName): Promise<boolean> => {
  if (service === 'eventstoredb' && serviceUrls.eventstoredb === '') {
    console.warn('!!! SKIPPED: EventStoreDB tests (ESDB_URL is not set) !!!');
    return false;
  }
  let probe = reachability.get(service);
  if (!probe) {
    const { host, port } = hostPortOf(service);
    probe = canConnect(host, port);
    reachability.set(service, probe);
  }
  if (await probe) return true;
  const { host, port } = hostPortOf(service);
  const message = `${service} is unreachable at ${host}:${port}`;
  if (process.env.REQUIRE_SERVICES === '1' && service !== 'eventstoredb') {
    throw new Error(`REQUIRE_SERVICES=1 but ${message}`);
  }
  console.warn(
    `!!! SKIPPED: tests that need ${service}: ${message} (set REQUIRE_SERVICES=1 to fail instead) !!!`,
  );
  return false;
};

/** A short random suffix that keeps parallel tests' schemas, topics and MQTT prefixes apart. */
export const uniqueName = (prefix: string): string => `${prefix}_${randomBytes(5).toString('hex')}`;
