import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../runtime/config.ts';
import { createLogger } from '../../runtime/logger.ts';
import { serviceAvailable, serviceUrls } from '../../testing/services.ts';
import { runLunchRush } from './run-lunch-rush.ts';

// CI's short campus rush on the real services: Postgres event store and read models, Kafka fan-out and
// Mosquitto, each run in its own schema, topic and topic prefix. Run twice with one seed, it must pass
// every invariant check both times and end with the same balances.

const servicesUp =
  (await serviceAvailable('postgres')) &&
  (await serviceAvailable('kafka')) &&
  (await serviceAvailable('mqtt'));

const shortRush = () =>
  runLunchRush({
    base: loadConfig({
      DATABASE_URL: serviceUrls.postgres,
      KAFKA_BROKERS: serviceUrls.kafka,
      MQTT_URL: serviceUrls.mqtt,
      LOG_LEVEL: 'warn',
    }),
    logger: createLogger({ level: 'warn' }),
    students: 120,
    terminals: 10,
    minutes: 0.2,
    seed: 7,
  });

describe.skipIf(!servicesUp)('lunch-rush simulation on the real stack', () => {
  it('passes every invariant check, and the same seed gives the same final balances', async () => {
    const first = await shortRush();
    const failed = first.checks.filter((check) => !check.ok);
    expect(failed).toEqual([]);
    expect(first.requests).toBeGreaterThan(first.students);
    expect(first.duplicatesInjected + first.offlineUploads).toBeGreaterThan(0);
    expect(first.byOutcome.insufficient_funds ?? 0).toBeGreaterThan(0);

    const second = await shortRush();
    expect(second.checks.filter((check) => !check.ok)).toEqual([]);
    expect(second.balancesDigest).toBe(first.balancesDigest);
  }, 300_000);
});
