import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceAvailable, uniqueName } from '../../testing/services.ts';
import {
  expectReadModelsMatch,
  expectRebuildEqualsLive,
  type Harness,
  openHarness,
  testKafka,
  testLogger,
  timeZone,
  waitUntilCaughtUp,
} from '../testing/harness.ts';
import { createWorkload } from '../testing/workload.ts';
import { startKafkaProjector } from './kafka-projector.ts';
import { startRelay } from './relay.ts';

// A private broker for this file only, so restarting it never disturbs the shared one on 9092.
const privatePort = 19_092;
const privateControllerPort = 19_093;
const repositoryRoot = path.resolve(import.meta.dirname, '../..');
const brokerLifecycleTimeoutMs = 120_000;
const convergeAfterRestartMs = 90_000;

const postgresUp = await serviceAvailable('postgres');

// infra/kafka.sh shares the checkout's jars with private brokers (fetching them once if missing).
describe.skipIf(!postgresUp)('Kafka broker restart mid-stream', () => {
  const stateDir = mkdtempSync(path.join(tmpdir(), 'ledger-kafka-'));
  const broker = (command: 'start' | 'stop') =>
    promisify(execFile)(path.join(repositoryRoot, 'infra/kafka.sh'), [command], {
      env: {
        ...process.env,
        KAFKA_PORT: String(privatePort),
        KAFKA_CONTROLLER_PORT: String(privateControllerPort),
        KAFKA_STATE_DIR: stateDir,
      },
      timeout: brokerLifecycleTimeoutMs,
    });
  let harness: Harness;

  beforeAll(async () => {
    await broker('start');
    harness = await openHarness();
  }, brokerLifecycleTimeoutMs);

  afterAll(async () => {
    await harness?.close();
    await broker('stop').catch(() => undefined);
    rmSync(stateDir, { recursive: true, force: true });
  }, brokerLifecycleTimeoutMs);

  // After the restart the group coordinator holds the rejoining consumer until the member it remembers
  // from before times out (the projector's 10 s session timeout), so this file takes about 45 s.
  it('relay and projector ride out the restart and the read models converge exactly', {
    timeout: 240_000,
  }, async () => {
    const kafka = testKafka(`127.0.0.1:${privatePort}`);
    const topic = uniqueName('ledger.events');
    const workload = createWorkload(harness.handler, { seed: 6, accounts: 15, commands: 300 });
    await workload.setUp();
    const db = harness.readModels.db;
    const relay = startRelay({
      store: harness.store,
      db,
      kafka,
      topic,
      logger: testLogger,
      batchSize: 50,
      restartDelayMs: 500,
    });
    const projector = startKafkaProjector({
      kafka,
      db,
      topic,
      groupId: uniqueName('projections'),
      timeZone,
      logger: testLogger,
      restartDelayMs: 500,
    });
    try {
      await workload.run(100);
      await waitUntilCaughtUp(harness);
      await broker('stop');
      // Commands go on while Kafka is away: they are in the store, and the relay owes them to Kafka.
      await workload.run(100);
      await broker('start');
      await workload.run(100);

      const head = await waitUntilCaughtUp(harness, convergeAfterRestartMs);
      await expectReadModelsMatch(db, workload.reference);
      await expectRebuildEqualsLive(harness, head);
      expect(workload.reference.accepted).toBeGreaterThan(200);
    } finally {
      await relay.stop();
      await projector.stop();
    }
  });
});
