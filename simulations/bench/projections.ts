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
import { type Benchmark, numberParameter } from './benchmark.ts';
import { type ChildConfig, childOutcome, loadAccounts, now } from './projections-processes.ts';
import { seedReplayLog } from './replay-seed.ts';

// `npm run bench -- projections`: the read side's three speeds, on real Postgres and Kafka.
//   1. apply from Kafka: a seeded log is relayed to a fresh topic, then a projector applies it all;
//   2. end-to-end lag at an offered load: top-ups appended to the store at a fixed rate while relay and
//      projector run; lag = append committed → its position visible in the read models
//      (account_balances commits in the same transaction as the checkpoint);
//   3. rebuild of a seeded log of a million events into a fresh schema.
// Everything lives in schemas and topics of its own, removed at the end.

export const lagTargetMs = 1_000;
export const defaultRebuildEvents = 1_000_000;
/** A million events in 60 s (stretch: 10 s), as a rate so any --rebuild-events is judged alike. */
export const rebuildTargetEventsPerSecond = 1_000_000 / 60;
export const rebuildStretchEventsPerSecond = 1_000_000 / 10;
export const defaultKafkaApplyEvents = 200_000;
export const defaultOfferedLoads = [1_000, 5_000];
export const defaultLoadSeconds = 10;
export const defaultWarmupSeconds = 3;
const visibilityPollMs = 5;
const catchUpWaitMs = 300_000;

export type ProjectionsBenchOptions = {
  databaseUrl: string;
  kafkaBrokers: string[];
  timeZone?: string;
  rebuildEvents?: number;
  kafkaApplyEvents?: number;
  offeredLoads?: number[];
  loadSeconds?: number;
  warmupSeconds?: number;
  log?: (line: string) => void;
};

type LagFigures = {
  offeredEventsPerSecond: number;
  achievedEventsPerSecond: number;
  events: number;
  lagMs: Distribution;
  /** Append → acknowledged by Kafka (the relay's share of the lag). */
  relayLagMs: Distribution;
  /** The seconds at the same rate just before, while the fresh processes warm up: not in the figures above. */
  warmup: { seconds: number; events: number; lagMs: Distribution };
  targetMs: number;
  metTarget: boolean;
};

export type ProjectionsBenchResult = {
  benchmark: 'projections';
  /** `projectorEventsPerSecond` is null when every event came in the projector's first batch. */
  kafkaApply: { events: number; relayEventsPerSecond: number; projectorEventsPerSecond: number | null };
  lag: LagFigures[];
  rebuild: {
    events: number;
    seedSeconds: number;
    durationSeconds: number;
    eventsPerSecond: number;
    targetEventsPerSecond: number;
    stretchEventsPerSecond: number;
    metTarget: boolean;
    metStretch: boolean;
  };
};

const silent = pino({ level: 'silent' });
const timeZoneOf = (options: ProjectionsBenchOptions) => options.timeZone ?? defaultLedgerTimeZone;
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
      timeZone: timeZoneOf(options),
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
    // The first applied batch starts the clock: if it already reached the head, nothing is left to time.
    const projectorEventsPerSecond = applied === 0 ? null : perSecond(applied, projectorMs);
    log(
      applied === 0
        ? `projector: all ${seeded.events} events came in its first batch, too few to time (--kafka-events)`
        : `projector: ${applied} events from Kafka in ${Math.round(projectorMs)} ms`,
    );
    return {
      events: seeded.events,
      relayEventsPerSecond: perSecond(seeded.events, relayMs),
      projectorEventsPerSecond,
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

type Distribution = { p50: number; p95: number; p99: number; max: number };

const distribution = (values: number[]): Distribution => {
  const sorted = [...values].sort((left, right) => left - right);
  const at = (fraction: number) =>
    Math.round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? 0);
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: Math.round(sorted[sorted.length - 1] ?? 0) };
};

/**
 * Offers top-ups at a fixed rate while relay and projector run, each in a process of its own (as
 * the compose file deploys them). Lag is measured from each append's commit to the read models'
 * checkpoint passing its position. The relay and projector are fresh processes, so the load first runs
 * `warmupSeconds` at the same rate; those events' lag is reported apart (a deployed relay runs for days,
 * not seconds), and the measured seconds follow without a pause.
 */
const measureLag = async (
  options: ProjectionsBenchOptions,
  kafka: Kafka,
  rate: number,
  seconds: number,
  warmupSeconds: number,
): Promise<LagFigures> => {
  const scratch = await openScratch(options.databaseUrl, `lag${rate}`);
  const { topic, groupId, remove } = await newTopic(kafka, `lag${rate}`);
  const timeZone = timeZoneOf(options);
  const config: ChildConfig = {
    databaseUrl: options.databaseUrl,
    storeSchema: scratch.storeSchema,
    readSchema: scratch.readSchema,
    kafkaBrokers: options.kafkaBrokers,
    topic,
    groupId,
    timeZone,
    rate,
    warmupSeconds,
    seconds,
  };
  const handler = createCommandHandler({ store: scratch.store, timeZone });
  const relay = childOutcome('relay', config);
  const projector = childOutcome('projector', config);
  try {
    await Promise.all([relay.outcome, projector.outcome]);
    for (let start = 0; start < loadAccounts; start += 200) {
      await Promise.all(
        Array.from({ length: 200 }, (_, offset) =>
          handler.handle(
            ledgerCommandSchema.parse({
              type: 'OpenAccount',
              occurredAt: new Date().toISOString(),
              accountId: `a${start + offset}`,
              holderName: 'Bench',
              holderType: 'student',
              cardNo: String(6_222_000_000_000_000 + start + offset),
            }),
            context,
          ),
        ),
      );
    }
    const ready = await scratch.store.headPosition();
    await waitFor(async () => (await readModelsPosition(scratch.db)) >= ready, 'read models ready');

    // The poller samples the read models' position; each append's lag is read off the samples later.
    const samples: Array<{ position: Position; at: number }> = [];
    const relaySamples: Array<{ position: Position; at: number }> = [];
    let polling = true;
    const poller = (async () => {
      while (polling) {
        samples.push({ position: await readModelsPosition(scratch.db), at: now() });
        relaySamples.push({ position: await readRelayCheckpoint(scratch.db, `kafka:${topic}`), at: now() });
        await sleep(visibilityPollMs);
      }
    })();

    const appended: Array<{ position: Position; at: number }> = [];
    const warmupAppended: Array<{ position: Position; at: number }> = [];
    const offeredMs = await childOutcome('load', config, (positions, at, warmup) => {
      const into = warmup ? warmupAppended : appended;
      for (const position of positions) into.push({ position: BigInt(position), at });
    }).outcome;
    const last = await scratch.store.headPosition();
    await waitFor(
      async () => (samples[samples.length - 1]?.position ?? 0n) >= last,
      'read models after the load',
    );
    polling = false;
    await poller;

    const lagMs = distribution(appended.map((entry) => visibleAfterMs(samples, entry)));
    const relayLagMs = distribution(appended.map((entry) => visibleAfterMs(relaySamples, entry)));
    const warmupLagMs = distribution(warmupAppended.map((entry) => visibleAfterMs(samples, entry)));
    options.log?.(
      `lag at ${rate}/s: ${appended.length} events, p50 ${lagMs.p50} ms, p99 ${lagMs.p99} ms (relay p50 ${relayLagMs.p50} ms); ` +
        `warm-up before it: p99 ${warmupLagMs.p99} ms`,
    );
    return {
      offeredEventsPerSecond: rate,
      achievedEventsPerSecond: perSecond(appended.length, offeredMs),
      events: appended.length,
      lagMs,
      relayLagMs,
      warmup: { seconds: warmupSeconds, events: warmupAppended.length, lagMs: warmupLagMs },
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
      timeZone: timeZoneOf(options),
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
      targetEventsPerSecond: Math.round(rebuildTargetEventsPerSecond),
      stretchEventsPerSecond: rebuildStretchEventsPerSecond,
      metTarget: rebuilt.eventsPerSecond >= rebuildTargetEventsPerSecond,
      metStretch: rebuilt.eventsPerSecond >= rebuildStretchEventsPerSecond,
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
    lag.push(
      await measureLag(
        options,
        kafka,
        rate,
        options.loadSeconds ?? defaultLoadSeconds,
        options.warmupSeconds ?? defaultWarmupSeconds,
      ),
    );
  }
  const rebuild = await measureRebuild(options, options.rebuildEvents ?? defaultRebuildEvents);
  return { benchmark: 'projections', kafkaApply, lag, rebuild };
};

/** The broker the tests use, when KAFKA_BROKERS is not set. */
const localKafkaBrokers = ['127.0.0.1:9092'];

export const projectionsBenchmark: Benchmark = {
  name: 'projections',
  description:
    'apply rate from Kafka, end-to-end lag at 1,000 and 5,000 events/s, rebuild of 1,000,000 events ' +
    '(--rebuild-events=N --kafka-events=N --seconds=N --warmup=N)',
  run: (options) =>
    runProjectionsBench({
      databaseUrl: options.databaseUrl,
      kafkaBrokers: options.kafkaBrokers ?? localKafkaBrokers,
      timeZone: options.timeZone,
      rebuildEvents: numberParameter(options, 'rebuild-events', defaultRebuildEvents),
      kafkaApplyEvents: numberParameter(options, 'kafka-events', defaultKafkaApplyEvents),
      loadSeconds: numberParameter(options, 'seconds', defaultLoadSeconds),
      warmupSeconds: numberParameter(options, 'warmup', defaultWarmupSeconds),
      log: options.log,
    }),
};
