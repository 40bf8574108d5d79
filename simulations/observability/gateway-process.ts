// The body of one round of the tracing comparison: a device gateway and its command handler in a
// process of their own, with OpenTelemetry started (before the instrumented modules load, as `ledger
// start` does) or not at all, so "off" costs exactly nothing. Receives its options over IPC, answers
// `ready`, serves until told to stop, then reports the CPU it used and the requests it answered since
// the parent's mark. Every card's account is loaded into the state cache before `ready`: a fresh
// process would otherwise read each account's whole stream at its first charge, a cost that grows
// with the ledger from round to round and has nothing to do with tracing.

import { readdir, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { PerformanceObserver } from 'node:perf_hooks';
import type { Telemetry, TraceContextMode } from '../../runtime/telemetry.ts';
import { cpuMicrosecondsFromStat } from '../bench/proc-cpu.ts';

export type GatewayProcessOptions = {
  databaseUrl: string;
  schema: string;
  deviceMasterKey: string;
  timeZone: string;
  mqttUrl: string;
  topicPrefix: string;
  tracing: { sampleRatio: number; otlpEndpoint: string; context: TraceContextMode } | undefined;
  /** Streams loaded into the command handler's state cache before `ready`. */
  primeStreams: string[];
  /** Where to write a CPU profile of the measured stretch (from the mark to the stop), if anywhere. */
  profileDir?: string | undefined;
};

export type GatewayProcessCommand = { kind: 'mark' } | { kind: 'stop' };

export type GatewayProcessMessage =
  | { kind: 'ready' }
  | {
      kind: 'stopped';
      cpuMs: number;
      mainThreadBusyMs: number;
      gcPauseMs: number;
      /** CPU of the process's other threads (V8's GC helpers, libuv's pool); null off Linux. */
      otherThreadsCpuMs: number | null;
      answered: number;
    }
  | { kind: 'failed'; error: string };

const primeChunk = 200;

const report = (message: GatewayProcessMessage, exitCode?: number) =>
  process.send?.(message, () => {
    if (exitCode !== undefined) process.exit(exitCode);
  });

/** CPU milliseconds of every thread of this process but the main one, from /proc (Linux only). */
const otherThreadsCpuMs = async (): Promise<number | null> => {
  let threads: string[];
  try {
    threads = await readdir('/proc/self/task');
  } catch {
    return null;
  }
  let totalMicroseconds = 0;
  for (const thread of threads) {
    if (thread === String(process.pid)) continue;
    // A thread that ended since the listing has nothing left to count.
    totalMicroseconds += (await cpuMicrosecondsFromStat(`/proc/self/task/${thread}/stat`)) ?? 0;
  }
  return totalMicroseconds / 1_000;
};

/** The V8 CPU profiler over the measured stretch only: start-up and priming stay out of the profile. */
const measuredStretchProfiler = () => {
  const session = new Session();
  return {
    start: async () => {
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.start');
    },
    stopInto: async (path: string) => {
      const { profile } = await session.post('Profiler.stop');
      await writeFile(path, JSON.stringify(profile));
      session.disconnect();
    },
  };
};

const serve = async (options: GatewayProcessOptions) => {
  let telemetry: Telemetry | undefined;
  if (options.tracing) {
    const { startTelemetry } = await import('../../runtime/telemetry.ts');
    telemetry = startTelemetry({ serviceName: 'bench-gateway', ...options.tracing });
  }
  const { default: knex } = await import('knex');
  const { pino } = await import('pino');
  const { createPgClient, createSqlEventStore } = await import('../../event-store/index.ts');
  const { createCommandHandler } = await import('../../ledger-core/index.ts');
  const { startDeviceGateway } = await import('../../device-gateway/index.ts');

  const store = createSqlEventStore(
    createPgClient({ connectionString: options.databaseUrl, schema: options.schema }),
  );
  const handler = createCommandHandler({ store, timeZone: options.timeZone });
  for (let first = 0; first < options.primeStreams.length; first += primeChunk) {
    await Promise.all(options.primeStreams.slice(first, first + primeChunk).map(handler.load));
  }
  const db = knex({
    client: 'pg',
    connection: options.databaseUrl,
    searchPath: [options.schema],
    pool: { min: 0, max: 4 },
  });
  const gateway = await startDeviceGateway({
    mqttUrl: options.mqttUrl,
    handler,
    store,
    db,
    deviceMasterKey: options.deviceMasterKey,
    timeZone: options.timeZone,
    logger: pino({ level: 'warn' }),
    topicPrefix: options.topicPrefix,
  });
  // Counted from the parent's `mark` (after the warm-up) to `stop`: the measured run alone. CPU counts
  // every thread of the process (the garbage collector's helpers too); the main thread's busy time and
  // the collector's pauses on it tell where it went.
  let cpuAtMark = process.cpuUsage();
  let loopAtMark = performance.eventLoopUtilization();
  let answeredAtMark = 0;
  let gcPauseMs = 0;
  let otherThreadsAtMark: number | null = null;
  const profiler = measuredStretchProfiler();
  const gcObserver = new PerformanceObserver((entries) => {
    for (const entry of entries.getEntries()) gcPauseMs += entry.duration;
  });
  gcObserver.observe({ entryTypes: ['gc'] });
  process.on('message', async (command: GatewayProcessCommand) => {
    if (command.kind === 'mark') {
      if (options.profileDir) await profiler.start();
      cpuAtMark = process.cpuUsage();
      otherThreadsAtMark = await otherThreadsCpuMs();
      loopAtMark = performance.eventLoopUtilization();
      answeredAtMark = gateway.stats().answered;
      gcPauseMs = 0;
      return;
    }
    const cpu = process.cpuUsage(cpuAtMark);
    const otherThreadsNow = await otherThreadsCpuMs();
    const loop = performance.eventLoopUtilization(loopAtMark);
    if (options.profileDir) {
      const setting = options.tracing?.context ?? 'off';
      await profiler.stopInto(`${options.profileDir}/gateway-${setting}-${process.pid}.cpuprofile`);
    }
    gcObserver.disconnect();
    const answered = gateway.stats().answered - answeredAtMark;
    await gateway.stop();
    await handler.close();
    await store.close();
    await db.destroy();
    await telemetry?.shutdown();
    report(
      {
        kind: 'stopped',
        cpuMs: (cpu.user + cpu.system) / 1_000,
        mainThreadBusyMs: loop.active,
        gcPauseMs,
        otherThreadsCpuMs:
          otherThreadsNow === null || otherThreadsAtMark === null
            ? null
            : otherThreadsNow - otherThreadsAtMark,
        answered,
      },
      0,
    );
  });
  report({ kind: 'ready' });
};

process.once('message', (options: GatewayProcessOptions) => {
  serve(options).catch((error: unknown) =>
    report(
      { kind: 'failed', error: error instanceof Error ? (error.stack ?? error.message) : String(error) },
      1,
    ),
  );
});
