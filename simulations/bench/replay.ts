import knex from 'knex';
import pg from 'pg';
import { replayReadModels, verifyStoreChains } from '../../audit/index.ts';
import { createPgClient, createSqlEventStore, migrateEventStoreSchema } from '../../event-store/index.ts';
import type { EventStore } from '../../ledger-core/index.ts';
import { defaultRebuildBatchSize } from '../../projections/index.ts';
import { type Benchmark, numberParameter } from './benchmark.ts';
import { coresNeeded, machineCpuMeter } from './machine-cpu.ts';
import { createUsageProbe } from './postgres-usage.ts';
import { seedReplayLog } from './replay-seed.ts';

// `npm run bench -- replay`: how fast every read model is rebuilt from a log of realistic, hash-chained
// account events on real Postgres (I7's machinery), and how fast the hash chains verify (I9).
// Everything lives in a schema of its own, dropped at the end.

export const replayBenchTargetEventsPerSecond = 100_000;
export const defaultReplayBenchEvents = 1_000_000;
const replayApplicationName = 'bench-replay';

export type ReplayBenchOptions = {
  databaseUrl: string;
  events?: number;
  timeZone?: string;
  log?: (line: string) => void;
};

export type ReplayBenchResult = {
  benchmark: 'replay';
  events: number;
  accounts: number;
  seedSeconds: number;
  replay: PhaseFigures & {
    targetEventsPerSecond: number;
    metTarget: boolean;
    /** Cores the target rate would keep busy at the replay's machine CPU per event. */
    targetNeedsCores: number | null;
  };
  /** Baseline: the whole log read in the rebuild's batches, nothing done with it; no replay can be faster. */
  readLog: PhaseFigures;
  verifyChain: { durationMs: number; eventsPerSecond: number; intact: boolean };
};

/** CPU per event shows where a phase's time goes, and moves far less than its rate on a busy machine. */
type PhaseFigures = {
  durationMs: number;
  eventsPerSecond: number;
  nodeCpuMicrosecondsPerEvent: number;
  postgresCpuMicrosecondsPerEvent: number | null;
  /** Every process on the machine, Postgres's background writers included (machine-cpu.ts). */
  machineCpuMicrosecondsPerEvent: number | null;
};

/** Runs `work`, which handles some events, and measures the Node and Postgres CPU it spent per event. */
const measureCpu = async <T>(
  probe: ReturnType<typeof createUsageProbe>,
  work: () => Promise<T>,
  eventsOf: (result: T) => number,
) => {
  await probe.begin();
  const endMachineCpu = await machineCpuMeter();
  const cpuBefore = process.cpuUsage();
  const startedAt = performance.now();
  const result = await work();
  const durationMs = performance.now() - startedAt;
  const cpu = process.cpuUsage(cpuBefore);
  const events = Math.max(eventsOf(result), 1);
  const machineCpu = await endMachineCpu(events);
  const { postgresCpuMicrosecondsPerOperation } = await probe.end(events);
  return {
    result,
    durationMs,
    nodeCpuMicrosecondsPerEvent: Math.round((cpu.user + cpu.system) / events),
    postgresCpuMicrosecondsPerEvent: postgresCpuMicrosecondsPerOperation,
    machineCpuMicrosecondsPerEvent: machineCpu ? Math.round(machineCpu.cpuMsPerOperation * 1_000) : null,
  };
};

const readWholeLog = async (store: Pick<EventStore, 'readAll'>): Promise<number> => {
  let events = 0;
  let fromPosition = 0n;
  for (;;) {
    const batch = await store.readAll({ fromPosition, maxCount: defaultRebuildBatchSize });
    const last = batch[batch.length - 1];
    if (!last) break;
    events += batch.length;
    fromPosition = last.position;
  }
  return events;
};

export const runReplayBench = async (options: ReplayBenchOptions): Promise<ReplayBenchResult> => {
  const events = options.events ?? defaultReplayBenchEvents;
  const log = options.log ?? (() => undefined);
  const schema = `bench_replay_${Date.now().toString(36)}`;
  // Named, so the usage probe finds the replay's Postgres backends (and only them) in pg_stat_activity.
  const namedUrl = new URL(options.databaseUrl);
  namedUrl.searchParams.set('application_name', replayApplicationName);
  const sql = createPgClient({ connectionString: namedUrl.toString(), schema, maxConnections: 4 });
  const db = knex({
    client: 'pg',
    connection: namedUrl.toString(),
    searchPath: [schema],
    pool: { min: 0, max: 4 },
  });
  const admin = new pg.Client({ connectionString: options.databaseUrl });
  const probe = createUsageProbe(admin, replayApplicationName);
  try {
    await admin.connect();
    await migrateEventStoreSchema(sql, schema);
    const store = createSqlEventStore(sql);
    log(`seeding ${events} events into ${schema}…`);
    const seedStartedAt = performance.now();
    const seeded = await seedReplayLog(sql, events);
    const seedSeconds = (performance.now() - seedStartedAt) / 1000;
    log(`seeded ${seeded.events} events (${seeded.accounts} accounts) in ${seedSeconds.toFixed(1)} s`);
    // A real log was written long before anyone replays it: let Postgres finish with the seed (its
    // statistics, visibility map and dirty pages) so the replay is not timed against that clean-up.
    await sql.query('VACUUM (ANALYZE) ledger_events');
    await sql
      .query('CHECKPOINT')
      .catch((error: unknown) => log(`no CHECKPOINT before the replay: ${String(error)}`));

    const read = await measureCpu(
      probe,
      () => readWholeLog(store),
      (count) => count,
    );
    const readLog: PhaseFigures = {
      durationMs: Math.round(read.durationMs),
      eventsPerSecond: Math.round((read.result / read.durationMs) * 1000),
      nodeCpuMicrosecondsPerEvent: read.nodeCpuMicrosecondsPerEvent,
      postgresCpuMicrosecondsPerEvent: read.postgresCpuMicrosecondsPerEvent,
      machineCpuMicrosecondsPerEvent: read.machineCpuMicrosecondsPerEvent,
    };
    log(`baseline, the log read and nothing else: ${readLog.eventsPerSecond} events/s`);
    const replay = await measureCpu(
      probe,
      () => replayReadModels({ store, db, timeZone: options.timeZone ?? 'Asia/Shanghai' }),
      (replayed) => replayed.events,
    );
    const replayed = replay.result;
    if (replayed.invalidEvents > 0)
      throw new Error(`${replayed.invalidEvents} seeded events failed validation`);
    log(
      `replay: ${replayed.events} events in ${replayed.durationMs} ms = ${replayed.eventsPerSecond} events/s ` +
        `(CPU per event: Node ${replay.nodeCpuMicrosecondsPerEvent} µs, Postgres ${replay.postgresCpuMicrosecondsPerEvent ?? '?'} µs)`,
    );

    const machineMicros = replay.machineCpuMicrosecondsPerEvent;
    const targetNeedsCores =
      machineMicros === null ? null : coresNeeded(machineMicros / 1_000, replayBenchTargetEventsPerSecond);
    log(
      `at ${machineMicros ?? '?'} µs of machine CPU per event, ${replayBenchTargetEventsPerSecond} events/s would keep ${targetNeedsCores ?? '?'} cores busy`,
    );

    const verifyStartedAt = performance.now();
    const verified = await verifyStoreChains({ store });
    const verifyMs = performance.now() - verifyStartedAt;
    const verifyRate = Math.round((verified.eventsChecked / verifyMs) * 1000);
    log(
      `verify-chain: ${verified.eventsChecked} events in ${Math.round(verifyMs)} ms = ${verifyRate} events/s`,
    );

    return {
      benchmark: 'replay',
      events: replayed.events,
      accounts: seeded.accounts,
      seedSeconds: Math.round(seedSeconds * 10) / 10,
      replay: {
        durationMs: replayed.durationMs,
        eventsPerSecond: replayed.eventsPerSecond,
        nodeCpuMicrosecondsPerEvent: replay.nodeCpuMicrosecondsPerEvent,
        postgresCpuMicrosecondsPerEvent: replay.postgresCpuMicrosecondsPerEvent,
        machineCpuMicrosecondsPerEvent: machineMicros,
        targetEventsPerSecond: replayBenchTargetEventsPerSecond,
        metTarget: replayed.eventsPerSecond >= replayBenchTargetEventsPerSecond,
        targetNeedsCores,
      },
      readLog,
      verifyChain: {
        durationMs: Math.round(verifyMs),
        eventsPerSecond: verifyRate,
        intact: verified.breaks.length === 0,
      },
    };
  } finally {
    await db.raw(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await db.destroy();
    await sql.close();
    await admin.end();
  }
};

export const replayBenchmark: Benchmark = {
  name: 'replay',
  description: `full replay of ${defaultReplayBenchEvents} hash-chained events into fresh read models (--events=N)`,
  run: (options) =>
    runReplayBench({
      databaseUrl: options.databaseUrl,
      events: numberParameter(options, 'events', defaultReplayBenchEvents),
      timeZone: options.timeZone,
      log: options.log,
    }),
};
