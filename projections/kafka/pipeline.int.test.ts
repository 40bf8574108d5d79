import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { capturingJsonLogger } from '../../testing/log-capture.ts';
import { serviceAvailable, uniqueName } from '../../testing/services.ts';
import type { Supervised } from '../supervisor.ts';
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
import { appendInvalidCharge } from '../testing/invalid-event.ts';
import { createWorkload } from '../testing/workload.ts';
import { startKafkaProjector } from './kafka-projector.ts';
import { startRelay } from './relay.ts';
import { deadLetterTopicOf } from './topics.ts';

const postgresUp = await serviceAvailable('postgres');
const kafkaUp = await serviceAvailable('kafka');

describe.skipIf(!postgresUp || !kafkaUp)('commands → relay → Kafka → projector → read models', () => {
  const kafka = testKafka();
  const admin = kafka.admin();
  let harness: Harness;
  let topic: string;
  let groupId: string;
  const running: Supervised[] = [];
  const run = (worker: Supervised) => {
    running.push(worker);
    return worker;
  };

  beforeAll(() => admin.connect());
  afterAll(() => admin.disconnect());
  beforeEach(async () => {
    harness = await openHarness();
    topic = uniqueName('ledger.events');
    groupId = uniqueName('projections');
  });
  afterEach(async () => {
    for (const worker of running.splice(0)) await worker.stop();
    await harness.close();
    await admin.deleteTopics({ topics: [topic, deadLetterTopicOf(topic)] }).catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
  });

  const relay = (hooks?: Parameters<typeof startRelay>[0]['hooks'], logger = testLogger) =>
    run(
      startRelay({
        store: harness.store,
        db: harness.readModels.db,
        kafka,
        topic,
        logger,
        batchSize: 50,
        restartDelayMs: 100,
        ...(hooks ? { hooks } : {}),
      }),
    );
  const projector = (hooks?: Parameters<typeof startKafkaProjector>[0]['hooks'], logger = testLogger) =>
    run(
      startKafkaProjector({
        kafka,
        db: harness.readModels.db,
        topic,
        groupId,
        timeZone,
        logger,
        restartDelayMs: 100,
        ...(hooks ? { hooks } : {}),
      }),
    );

  const topicMessageCount = async () => {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, partition) => sum + Number(partition.high) - Number(partition.low), 0);
  };

  const committedOffset = async () => {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return (
      offsets?.partitions.reduce((sum, partition) => sum + Math.max(0, Number(partition.offset)), 0) ?? 0
    );
  };

  it('read models match the commands, and replay up to a position equals live at that position', async () => {
    const workload = createWorkload(harness.handler, { seed: 1, accounts: 20, commands: 300 });
    await workload.setUp();
    relay();
    const live = projector();
    await workload.run(150);
    const middle = await waitUntilCaughtUp(harness);
    // Live stands still at `middle` while the log grows: replay to `middle` must equal it exactly.
    await live.stop();
    running.splice(running.indexOf(live), 1);
    await workload.run(150);
    await expectRebuildEqualsLive(harness, middle);

    projector();
    const head = await waitUntilCaughtUp(harness);
    expect(head).toBeGreaterThan(middle);
    await expectReadModelsMatch(harness.readModels.db, workload.reference);
    await expectRebuildEqualsLive(harness, head);
    expect(workload.reference.accepted).toBeGreaterThan(200);
  });

  it('a relay that dies between produce and checkpoint resumes, re-sends, and nothing counts twice', async () => {
    const workload = createWorkload(harness.handler, { seed: 2, accounts: 10, commands: 200 });
    await workload.setUp();
    await workload.run();
    let crashes = 0;
    relay({
      afterProduce: async () => {
        if (crashes < 3) {
          crashes += 1;
          throw new Error('relay killed after Kafka acknowledged, before its checkpoint');
        }
      },
    });
    projector();
    const head = await waitUntilCaughtUp(harness);
    expect(crashes).toBe(3);
    // Each crash re-sent its batch: the topic holds more messages than the log has events.
    expect(await topicMessageCount()).toBe(Number(head) + 3 * 50);
    await expectReadModelsMatch(harness.readModels.db, workload.reference);
    await expectRebuildEqualsLive(harness, head);
  });

  it('a projector killed inside its transaction leaves no partial effect and converges', async () => {
    const workload = createWorkload(harness.handler, { seed: 3, accounts: 10, commands: 200 });
    await workload.setUp();
    await workload.run();
    const db = harness.readModels.db;
    const visible = async () =>
      (
        await db.raw(
          'SELECT (SELECT count(*) FROM account_transactions)::int AS lines, (SELECT coalesce(max(position), 0)::text FROM projection_checkpoints) AS position',
        )
      ).rows[0];
    let seenInside: unknown;
    let killed: () => void = () => undefined;
    const wasKilled = new Promise<void>((resolve) => {
      killed = resolve;
    });
    const first = projector({
      beforeCommit: async (result) => {
        expect(result.applied).toBeGreaterThan(0);
        // Seen from outside the transaction: nothing of this batch yet.
        seenInside = await visible();
        killed();
        throw new Error('projector killed inside its transaction');
      },
    });
    relay();
    await wasKilled;
    await first.stop();
    running.splice(running.indexOf(first), 1);
    expect(seenInside).toEqual({ lines: 0, position: '0' });
    expect(await visible()).toEqual({ lines: 0, position: '0' });

    projector();
    const head = await waitUntilCaughtUp(harness);
    await expectReadModelsMatch(db, workload.reference);
    await expectRebuildEqualsLive(harness, head);
  });

  it('the same batch delivered twice changes nothing', async () => {
    const workload = createWorkload(harness.handler, { seed: 4, accounts: 10, commands: 150 });
    await workload.setUp();
    await workload.run();
    relay();
    projector();
    const head = await waitUntilCaughtUp(harness);
    const before = await compareSnapshot(harness);

    // Deliver the whole log again, as a relay restarted from an old checkpoint would.
    await harness.readModels.db.raw('UPDATE relay_checkpoints SET position = 0');
    const again = relay();
    await expect.poll(topicMessageCount, { timeout: 20_000 }).toBe(2 * Number(head));
    await again.stop();
    // The projector has read every repeated message once its committed offset reaches the end.
    await expect.poll(committedOffset, { timeout: 20_000 }).toBe(2 * Number(head));
    expect(await compareSnapshot(harness)).toEqual(before);
    await expectReadModelsMatch(harness.readModels.db, workload.reference);
    await expectRebuildEqualsLive(harness, head);
  });

  it('a poison message goes to the dead-letter topic with its reason and the partition moves on', async () => {
    const workload = createWorkload(harness.handler, { seed: 5, accounts: 5, commands: 40 });
    await workload.setUp();
    relay();
    const { logger, lines } = capturingJsonLogger('error');
    projector(undefined, logger);
    await workload.run(20);
    await waitUntilCaughtUp(harness);
    const producer = kafka.producer();
    await producer.connect();
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    await producer.send({
      topic,
      messages: [
        {
          key: 'account-x',
          value: 'not json at all',
          headers: { traceparent: `00-${traceId}-b7ad6b7169203331-01` },
        },
        { key: 'account-x', value: JSON.stringify({ v: 1, eventId: 'e', streamId: 'account-x' }) },
      ],
    });
    await producer.disconnect();
    await workload.run(20);
    const head = await waitUntilCaughtUp(harness);

    const dead: Array<{ reason: string; offset: string }> = [];
    const readerGroup = uniqueName('dlq-reader');
    const consumer = kafka.consumer({ groupId: readerGroup });
    await consumer.connect();
    await consumer.subscribe({ topic: deadLetterTopicOf(topic), fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        dead.push({
          reason: String(message.headers?.reason),
          offset: String(message.headers?.['original-offset']),
        });
      },
    });
    await expect.poll(() => dead.length, { timeout: 20_000 }).toBe(2);
    await consumer.disconnect();
    await admin.deleteGroups([readerGroup]).catch(() => undefined);
    expect(dead[0]?.reason).toMatch(/^invalid_json: /);
    expect(dead[1]?.reason).toMatch(/^invalid_envelope: /);
    // The line about a dead letter names the trace its message carried.
    const logged = lines.filter((line) => line.msg === 'dead-lettered a message');
    expect(logged.map((line) => line.trace_id)).toEqual([traceId, undefined]);
    await expectReadModelsMatch(harness.readModels.db, workload.reference);
    await expectRebuildEqualsLive(harness, head);
  });

  it('an event in the store that fails validation is dead-lettered by the relay, its line naming its trace', async () => {
    const workload = createWorkload(harness.handler, { seed: 6, accounts: 3, commands: 20 });
    await workload.setUp();
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    await appendInvalidCharge(harness.store, traceId, { badEnvelope: true });
    const { logger, lines } = capturingJsonLogger('error');
    relay(undefined, logger);
    projector();
    // The checkpoint passes the dead letter with the valid events after it.
    await workload.run();
    await waitUntilCaughtUp(harness);

    const logged = lines.filter((line) => line.msg === 'relay dead-lettered an event that failed validation');
    expect(logged).toEqual([expect.objectContaining({ key: 'account-ghost', trace_id: traceId })]);
    await expectReadModelsMatch(harness.readModels.db, workload.reference);
  });
});

const compareSnapshot = async (harness: Harness) => {
  const db = harness.readModels.db;
  return {
    balances: (await db.raw('SELECT * FROM account_balances ORDER BY account_id')).rows,
    lines: (await db.raw('SELECT count(*)::int AS n FROM account_transactions')).rows,
    postings: (await db.raw('SELECT count(*)::int AS n, sum(amount)::text AS total FROM journal_postings'))
      .rows,
    totals: (await db.raw('SELECT * FROM daily_totals ORDER BY 1, 2, 3')).rows,
    sales: (await db.raw('SELECT * FROM merchant_sales ORDER BY 1, 2')).rows,
  };
};
