import { Kafka, logLevel } from 'kafkajs';
import knex, { type Knex } from 'knex';
import { pino } from 'pino';
import { createPgClient, createSqlEventStore, migrateEventStoreSchema } from '../../event-store/index.ts';
import {
  type CommandContext,
  createCommandHandler,
  defaultLedgerTimeZone,
  type EventStore,
  ledgerCommandSchema,
  type Position,
} from '../../ledger-core/index.ts';
import {
  deadLetterTopicOf,
  migrateReadModels,
  readModelsPosition,
  readRelayCheckpoint,
  rebuildReadModels,
  startKafkaProjector,
  startRelay,
} from '../../projections/index.ts';
import { seedReplayLog } from './replay-seed.ts';

// `npm run bench -- projections`: the read side's three speeds, on real Postgres and Kafka.
//   1. apply from Kafka: a seeded log is relayed to a fresh topic, then a projector applies it all;
//   2. end-to-end lag at an offered load: commands through the command handler at a fixed rate while
//      relay and projector run; lag = command accepted (its position known) → that position visible in
//      the read models (account_balances commits in the same transaction as the checkpoint);
//   3. rebuild of a seeded log of a million events into a fresh schema.
// Everything lives in schemas and topics of its own, removed at the end.

export const lagTargetMs = 1_000;
export const rebuildTargetSeconds = 60;
export const rebuildStretchSeconds = 10;
export const defaultRebuildEvents = 1_000_000;
export const defaultKafkaApplyEvents = 200_000;
export const defaultOfferedLoads = [1_000, 5_000];
export const defaultLoadSeconds = 10;
const loadAccounts = 1_000;
/** Commands are released in small slices, this often, to approximate a steady rate. */
const loadTickMs = 10;
const visibilityPollMs = 5;
const catchUpWaitMs = 300_000;
const timeZone = defaultLedgerTimeZone;

export type ProjectionsBenchOptions = {
  databaseUrl: string;
  kafkaBrokers: string[];
  rebuildEvents?: number;
  kafkaApplyEvents?: number;
  offeredLoads?: number[];
  loadSeconds?: number;
  log?: (line: string) => void;
};

type LagFigures = {
  offeredEventsPerSecond: number;
  achievedEventsPerSecond: number;
  commands: number;
  lagMs: { p50: number; p95: number; p99: number; max: number };
  targetMs: number;
  metTarget: boolean;
};

export type ProjectionsBenchResult = {
  benchmark: 'projections';
  kafkaApply: { events: number; relayEventsPerSecond: number; projectorEventsPerSecond: number };
  lag: LagFigures[];
  rebuild: {
    events: number;
    seedSeconds: number;
    durationSeconds: number;
    eventsPerSecond: number;
    targetSeconds: number;
    stretchSeconds: number;
    metTarget: boolean;
    metStretch: boolean;
  };
};

const silent = pino({ level: 'silent' });
const context: CommandContext = {
  correlationId: 'bench',
  causationId: 'bench',
  actor: { type: 'system', id: 'projections-bench' },
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const perSecond = (count: number, ms: number) => Math.round((count / ms) * 1000);

type Scratch = {
  store: EventStore;
  db: Knex;
  storeSchema: string;
  readSchema: string;
  close: () => Promise<void>;
};

/** An event store and a migrated read-model schema of their own, on the bench's database. */
const openScratch = async (databaseUrl: string, label: string): Promise<Scratch> => {
  const suffix = `${label}_${Date.now().toString(36)}`;
  const storeSchema = `bench_es_${suffix}`;
  const readSchema = `bench_rm_${suffix}`;
  const sql = createPgClient({ connectionString: databaseUrl, schema: storeSchema, maxConnections: 4 });
  await migrateEventStoreSchema(sql, storeSchema);
  const admin = knex({ client: 'pg', connection: databaseUrl, pool: { min: 0, max: 1 } });
  await admin.raw(`CREATE SCHEMA "${readSchema}"`);
  await admin.destroy();
  const db = knex({
    client: 'pg',
    connection: databaseUrl,
    searchPath: [readSchema],
    pool: { min: 0, max: 6 },
  });
  await migrateReadModels(db);
  return {
    store: createSqlEventStore(sql),
    db,
    storeSchema,
    readSchema,
    close: async () => {
      await db.raw(`DROP SCHEMA IF EXISTS "${storeSchema}" CASCADE`);
      await db.raw(`DROP SCHEMA IF EXISTS "${readSchema}" CASCADE`);
      await db.destroy();
      await sql.close();
    },
  };
};

const seedInto = async (databaseUrl: string, schema: string, events: number) => {
  const sql = createPgClient({ connectionString: databaseUrl, schema, maxConnections: 1 });
  try {
    return await seedReplayLog(sql, events);
  } finally {
    await sql.close();
  }
};

const waitFor = async (reached: () => Promise<boolean>, what: string) => {
  const deadline = Date.now() + catchUpWaitMs;
  while (!(await reached())) {
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${catchUpWaitMs} ms`);
    await sleep(50);
  }
};

const newTopic = async (kafka: Kafka, label: string) => {
  const topic = `bench.projections.${label}.${Date.now().toString(36)}`;
  return {
    topic,
    groupId: `${topic}.group`,
    remove: async () => {
      const admin = kafka.admin();
      await admin.connect();
      await admin.deleteTopics({ topics: [topic, deadLetterTopicOf(topic)] }).catch(() => undefined);
      await admin.disconnect();
    },
  };
};

/** Relays a seeded log to a fresh topic, then times a projector applying all of it from Kafka. */
const measureKafkaApply = async (options: ProjectionsBenchOptions, kafka: Kafka, events: number) => {
  const log = options.log ?? (() => undefined);
  const scratch = await openScratch(options.databaseUrl, 'apply');
  const { topic, groupId, remove } = await newTopic(kafka, 'apply');
  try {
    const seeded = await seedInto(options.databaseUrl, scratch.storeSchema, events);
    const head = BigInt(seeded.events);
    const relayStartedAt = performance.now();
    const relay = startRelay({ store: scratch.store, db: scratch.db, kafka, topic, logger: silent });
    await waitFor(
      async () => (await readRelayCheckpoint(scratch.db, `kafka:${topic}`)) >= head,
      'relay head',
    );
    const relayMs = performance.now() - relayStartedAt;
    await relay.stop();
    log(`relay: ${seeded.events} events to Kafka in ${Math.round(relayMs)} ms`);

    const projector = startKafkaProjector({
      kafka,
      db: scratch.db,
      topic,
      groupId,
      timeZone,
      logger: silent,
    });
    // Timed from the first applied batch, so joining the consumer group is not counted.
    let firstAt = 0;
    let firstPosition: Position = 0n;
    await waitFor(async () => {
      const position = await readModelsPosition(scratch.db);
      if (position > 0n && firstAt === 0) {
        firstAt = performance.now();
        firstPosition = position;
      }
      return position >= head;
    }, 'projector head');
    const projectorMs = performance.now() - firstAt;
    await projector.stop();
    const applied = Number(head - firstPosition);
    log(`projector: ${applied} events from Kafka in ${Math.round(projectorMs)} ms`);
    return {
      events: seeded.events,
      relayEventsPerSecond: perSecond(seeded.events, relayMs),
      projectorEventsPerSecond: perSecond(applied, projectorMs),
    };
  } finally {
    await remove();
    await scratch.close();
  }
};

/** When a position first showed in the samples (monotonic in position), relative to its append. */
const visibleAfterMs = (
  samples: Array<{ position: Position; at: number }>,
  entry: { position: Position; at: number },
) => {
  let low = 0;
  let high = samples.length - 1;
  while (low < high) {
    const middle = (low + high) >> 1;
    if ((samples[middle] as { position: Position }).position >= entry.position) high = middle;
    else low = middle + 1;
  }
  return Math.max(0, (samples[low] as { at: number }).at - entry.at);
};

const percentile = (sorted: number[], fraction: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? 0;

/** Offers top-ups at a fixed rate through the command handler while relay and projector run. */
const measureLag = async (
  options: ProjectionsBenchOptions,
  kafka: Kafka,
  rate: number,
  seconds: number,
): Promise<LagFigures> => {
  const scratch = await openScratch(options.databaseUrl, `lag${rate}`);
  const { topic, groupId, remove } = await newTopic(kafka, `lag${rate}`);
  const handler = createCommandHandler({ store: scratch.store, timeZone });
  const send = (input: Record<string, unknown>) =>
    handler.handle(ledgerCommandSchema.parse({ occurredAt: new Date().toISOString(), ...input }), context);
  const relay = startRelay({ store: scratch.store, db: scratch.db, kafka, topic, logger: silent });
  const projector = startKafkaProjector({ kafka, db: scratch.db, topic, groupId, timeZone, logger: silent });
  try {
    for (let start = 0; start < loadAccounts; start += 200) {
      await Promise.all(
        Array.from({ length: 200 }, (_, offset) =>
          send({
            type: 'OpenAccount',
            accountId: `a${start + offset}`,
            holderName: 'Bench',
            holderType: 'student',
            cardNo: String(6_222_000_000_000_000 + start + offset),
          }),
        ),
      );
    }
    const ready = await scratch.store.headPosition();
    await waitFor(async () => (await readModelsPosition(scratch.db)) >= ready, 'read models ready');

    // The poller samples the read models' position; each command's lag is read off the samples later.
    const appended: Array<{ position: Position; at: number }> = [];
    const samples: Array<{ position: Position; at: number }> = [];
    let polling = true;
    const poller = (async () => {
      while (polling) {
        samples.push({ position: await readModelsPosition(scratch.db), at: performance.now() });
        await sleep(visibilityPollMs);
      }
    })();

    const startedAt = performance.now();
    const perTick = (rate * loadTickMs) / 1000;
    let issued = 0;
    let counter = 0;
    const inFlight: Promise<void>[] = [];
    while (performance.now() - startedAt < seconds * 1000) {
      const due = Math.floor(((performance.now() - startedAt) / loadTickMs + 1) * perTick);
      for (; issued < due; issued += 1) {
        counter += 1;
        const accountId = `a${counter % loadAccounts}`;
        inFlight.push(
          send({ type: 'TopUp', accountId, txId: `t${counter}`, amount: '1.00', channel: 'cash' }).then(
            (outcome) => {
              appended.push({ position: outcome.position, at: performance.now() });
            },
          ),
        );
      }
      await sleep(loadTickMs);
    }
    await Promise.all(inFlight);
    const offeredMs = performance.now() - startedAt;
    const last = await scratch.store.headPosition();
    await waitFor(
      async () => (samples[samples.length - 1]?.position ?? 0n) >= last,
      'read models after the load',
    );
    polling = false;
    await poller;

    const lags = appended.map((entry) => visibleAfterMs(samples, entry)).sort((a, b) => a - b);
    const lagMs = {
      p50: Math.round(percentile(lags, 0.5)),
      p95: Math.round(percentile(lags, 0.95)),
      p99: Math.round(percentile(lags, 0.99)),
      max: Math.round(lags[lags.length - 1] ?? 0),
    };
    options.log?.(`lag at ${rate}/s: ${appended.length} commands, p50 ${lagMs.p50} ms, p99 ${lagMs.p99} ms`);
    return {
      offeredEventsPerSecond: rate,
      achievedEventsPerSecond: perSecond(appended.length, offeredMs),
      commands: appended.length,
      lagMs,
      targetMs: lagTargetMs,
      metTarget: lagMs.p99 <= lagTargetMs,
    };
  } finally {
    await handler.close();
    await relay.stop();
    await projector.stop();
    await remove();
    await scratch.close();
  }
};

/** Seeds a million-event log and rebuilds every read model from it into a fresh schema. */
const measureRebuild = async (options: ProjectionsBenchOptions, events: number) => {
  const log = options.log ?? (() => undefined);
  const scratch = await openScratch(options.databaseUrl, 'rebuild');
  const rebuildSchema = `${scratch.readSchema}_rebuilt`;
  try {
    const seedStartedAt = performance.now();
    log(`seeding ${events} events…`);
    await seedInto(options.databaseUrl, scratch.storeSchema, events);
    const seedSeconds = (performance.now() - seedStartedAt) / 1000;
    log(`seeded in ${seedSeconds.toFixed(1)} s; rebuilding…`);
    const rebuilt = await rebuildReadModels({
      store: scratch.store,
      db: scratch.db,
      schema: rebuildSchema,
      timeZone,
    });
    if (rebuilt.invalidEvents > 0)
      throw new Error(`${rebuilt.invalidEvents} seeded events failed validation`);
    const durationSeconds = Math.round(rebuilt.durationMs / 100) / 10;
    log(`rebuild: ${rebuilt.events} events in ${durationSeconds} s = ${rebuilt.eventsPerSecond} events/s`);
    return {
      events: rebuilt.events,
      seedSeconds: Math.round(seedSeconds * 10) / 10,
      durationSeconds,
      eventsPerSecond: rebuilt.eventsPerSecond,
      targetSeconds: rebuildTargetSeconds,
      stretchSeconds: rebuildStretchSeconds,
      metTarget: durationSeconds <= rebuildTargetSeconds,
      metStretch: durationSeconds <= rebuildStretchSeconds,
    };
  } finally {
    await scratch.db.raw(`DROP SCHEMA IF EXISTS "${rebuildSchema}" CASCADE`);
    await scratch.close();
  }
};

export const runProjectionsBench = async (
  options: ProjectionsBenchOptions,
): Promise<ProjectionsBenchResult> => {
  const kafka = new Kafka({
    clientId: 'projections-bench',
    brokers: options.kafkaBrokers,
    logLevel: logLevel.NOTHING,
  });
  const kafkaApply = await measureKafkaApply(
    options,
    kafka,
    options.kafkaApplyEvents ?? defaultKafkaApplyEvents,
  );
  const lag: LagFigures[] = [];
  for (const rate of options.offeredLoads ?? defaultOfferedLoads) {
    lag.push(await measureLag(options, kafka, rate, options.loadSeconds ?? defaultLoadSeconds));
  }
  const rebuild = await measureRebuild(options, options.rebuildEvents ?? defaultRebuildEvents);
  return { benchmark: 'projections', kafkaApply, lag, rebuild };
};
