import { type ChildProcess, fork } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { streamIdOf } from '../../ledger-core/index.ts';
import { type TraceContextMode, traceContextModes } from '../../runtime/telemetry.ts';
import { uniqueName } from '../../testing/services.ts';
import { type BenchmarkOptions, numberParameter } from '../bench/benchmark.ts';
import { accountOfBenchCard, benchAmountFen, openBenchLedger } from '../bench/gateway-ledger.ts';
import {
  type RunTerminalsOptions,
  runTerminalsInProcess,
  startPrivateMosquitto,
  type TerminalRunReport,
} from '../terminals/index.ts';
import type {
  GatewayProcessCommand,
  GatewayProcessMessage,
  GatewayProcessOptions,
} from './gateway-process.ts';

// `npm run bench -- gateway --tracing=compare`: the gateway's throughput with tracing off (no
// OpenTelemetry SDK at all) and on (the SDK as `ledger start` runs it, a share of traces sampled and
// exported over OTLP/HTTP to a local sink), once per context mode, in rounds of one run on one ledger.
// Each round runs every setting once, in an order rotated from round to round, so drift in a shared
// machine's load hits them alike; each setting gets a fresh gateway process, and the terminals run in
// another, as fast as their windows allow. Overheads are reported from the medians.
//
// Parameters: --rounds=<default 3> --seconds=<measured per setting, default 10>
// --warmup=<seconds per setting before measuring, default 20> --terminals=<default 100>
// --cards=<default 5000> --window=<outstanding charges per terminal, default 8>
// --ratio=<sampled share of traces, default 0.1> --contexts=<comma list, default both modes>
// --rate=<charges/s> offers a fixed rate instead of the maximum: throughput then stays put, and the
// gateway's CPU per charge (batches of about the same size in every setting) shows the cost alone.
// --cpu-prof=<dir> writes a CPU profile of each gateway's measured seconds there (gateway-<setting>-<pid>).

export const tracingBenchDeviceMasterKey = 'bench-tracing-device-master-key';
export const overheadTarget = 0.1;
/** Long enough for a gateway to prime every card's stream, which grows round after round. */
const processTimeoutMs = 120_000;
const responseTimeoutMs = 10_000;
const drainTimeoutMs = 30_000;
const settleSeconds = 10;

type Setting = 'off' | TraceContextMode;
type Round = { round: number; setting: Setting } & ReturnType<typeof gatewayFigures>;

export const median = (values: number[]): number => {
  const sorted = [...values].sort((left, right) => left - right);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};
export const rounded = (value: number, places = 3) => Math.round(value * 10 ** places) / 10 ** places;

/** Accepts OTLP/HTTP trace exports and drops them, counting what arrived. */
export const startOtlpSink = async () => {
  let requests = 0;
  let bytes = 0;
  const server: Server = createServer((request, response) => {
    requests += 1;
    request.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    request.on('end', () => response.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    received: () => ({ requests, bytes }),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};

const nextMessage = (child: ChildProcess): Promise<GatewayProcessMessage> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      // A silent gateway is given up on: it must not live on, serving a ledger the run drops.
      child.kill();
      reject(new Error(`gateway process silent for ${processTimeoutMs} ms`));
    }, processTimeoutMs);
    child.once('message', (message: GatewayProcessMessage) => {
      clearTimeout(timer);
      if (message.kind === 'failed') reject(new Error(message.error));
      else resolve(message);
    });
  });

export type GatewayProcess = Awaited<ReturnType<typeof startGatewayProcess>>;

export const startGatewayProcess = async (options: GatewayProcessOptions) => {
  const child = fork(new URL('./gateway-process.ts', import.meta.url), [], {
    execArgv: ['--import', import.meta.resolve('tsx')],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = nextMessage(child);
  child.send(options);
  await ready;
  return {
    mark: () => child.send({ kind: 'mark' } satisfies GatewayProcessCommand),
    kill: () => child.kill(),
    stop: async () => {
      const stopped = nextMessage(child);
      child.send({ kind: 'stop' } satisfies GatewayProcessCommand);
      const message = await stopped;
      if (message.kind !== 'stopped') throw new Error(`gateway process answered ${message.kind}`);
      return message;
    },
  };
};

/** A measured stretch as seen by the terminals (rate, latency) and by the gateway process (its costs). */
export const gatewayFigures = (
  report: TerminalRunReport,
  stopped: Extract<GatewayProcessMessage, { kind: 'stopped' }>,
) => {
  const perCharge = (value: number, places = 3) => rounded(value / Math.max(1, stopped.answered), places);
  return {
    chargesPerSecond: report.answeredPerSecond,
    p50Ms: report.latencyMs.p50,
    p99Ms: report.latencyMs.p99,
    gatewayCpuMsPerCharge: perCharge(stopped.cpuMs),
    gatewayMainThreadMsPerCharge: perCharge(stopped.mainThreadBusyMs),
    gatewayGcPauseMsPerCharge: perCharge(stopped.gcPauseMs, 4),
    gatewayOtherThreadsCpuMsPerCharge:
      stopped.otherThreadsCpuMs === null ? null : perCharge(stopped.otherThreadsCpuMs),
  };
};

const settingsOf = (options: BenchmarkOptions): Setting[] => {
  const contexts = (options.parameters.contexts ?? traceContextModes.join(',')).split(',');
  for (const context of contexts) {
    if (!(traceContextModes as readonly string[]).includes(context)) {
      throw new Error(`--contexts takes ${traceContextModes.join(', ')}; got ${context}`);
    }
  }
  return ['off', ...(contexts as TraceContextMode[])];
};

const summarize = (rounds: Round[], settings: Setting[]) => {
  const medianOf = (setting: Setting, pick: (round: Round) => number) =>
    median(rounds.filter((round) => round.setting === setting).map(pick));
  const off = {
    chargesPerSecond: medianOf('off', (round) => round.chargesPerSecond),
    gatewayCpuMsPerCharge: medianOf('off', (round) => round.gatewayCpuMsPerCharge),
  };
  return Object.fromEntries(
    settings.map((setting) => {
      const chargesPerSecond = medianOf(setting, (round) => round.chargesPerSecond);
      const gatewayCpuMsPerCharge = medianOf(setting, (round) => round.gatewayCpuMsPerCharge);
      const throughputOverhead = rounded(1 - chargesPerSecond / off.chargesPerSecond);
      // Within a round the settings run minutes apart at most: the ratio to that round's `off` is less
      // exposed to the machine's drift than the ratio of medians taken over the whole run.
      const pairedRatios = rounds
        .filter((round) => round.setting === setting)
        .map((round) => {
          const offOfRound = rounds.find((other) => other.round === round.round && other.setting === 'off');
          return round.chargesPerSecond / (offOfRound?.chargesPerSecond ?? Number.NaN);
        });
      return [
        setting,
        {
          chargesPerSecond,
          gatewayCpuMsPerCharge,
          ...(setting === 'off'
            ? {}
            : {
                throughputRatioToOff: rounded(chargesPerSecond / off.chargesPerSecond),
                throughputOverhead,
                medianPairedThroughputRatio: rounded(median(pairedRatios)),
                cpuPerChargeRatioToOff: rounded(gatewayCpuMsPerCharge / off.gatewayCpuMsPerCharge),
                meetsOverheadTarget: throughputOverhead <= overheadTarget,
              }),
        },
      ];
    }),
  );
};

/** The terminal fleet of a tracing comparison, in a process of its own, charging the bench amounts. */
export const driveBenchTerminals = (
  run: Omit<RunTerminalsOptions, 'amountFen' | 'responseTimeoutMs' | 'drainTimeoutMs'>,
) => runTerminalsInProcess({ ...run, amountFen: benchAmountFen, responseTimeoutMs, drainTimeoutMs });

/**
 * Seconds of load before each measured stretch. A fresh gateway process is still compiling its hot code
 * for a while, a traced one more (the SDK's code, and the sampled-only paths that run a tenth as often):
 * with 3 s the background compiler cost the traced gateway ~40 µs more per charge than the untraced one
 * (perf, docs/observability.md). A gateway runs for days, so the steady state is what is compared.
 */
const defaultWarmupSeconds = 20;

/** The parameters both tracing comparisons take (see each file's header). */
export const benchParameters = (options: BenchmarkOptions, defaultRounds: number) => ({
  roundCount: numberParameter(options, 'rounds', defaultRounds),
  seconds: numberParameter(options, 'seconds', 10),
  warmupSeconds: numberParameter(options, 'warmup', defaultWarmupSeconds),
  terminalCount: numberParameter(options, 'terminals', 100),
  cardCount: numberParameter(options, 'cards', 5_000),
  window: numberParameter(options, 'window', 8),
  sampleRatio: numberParameter(options, 'ratio', 0.1),
});

/** A private broker, an OTLP sink and a seeded ledger of terminals and cards in a schema of its own. */
export const openTracingBench = async (options: BenchmarkOptions) => {
  const { terminalCount, cardCount } = benchParameters(options, 1);
  const broker = await startPrivateMosquitto({ noDelay: true, persistence: false });
  const sink = await startOtlpSink();
  const schema = uniqueName('bench_tracing');
  options.log(`seeding ${terminalCount} terminals and ${cardCount} cards`);
  const ledger = await openBenchLedger({
    databaseUrl: options.databaseUrl,
    schema,
    deviceMasterKey: tracingBenchDeviceMasterKey,
    terminals: terminalCount,
    cards: cardCount,
    timeZone: options.timeZone,
  });
  const profileDir = options.parameters['cpu-prof'];
  if (profileDir) await mkdir(profileDir, { recursive: true });
  return { broker, sink, schema, ledger, profileDir };
};

export const compareGatewayTracing = async (options: BenchmarkOptions): Promise<object> => {
  const { roundCount, seconds, warmupSeconds, terminalCount, cardCount, window, sampleRatio } =
    benchParameters(options, 3);
  const rate = options.parameters.rate === undefined ? 'max' : numberParameter(options, 'rate', 1);
  const settings = settingsOf(options);
  const { broker, sink, schema, ledger, profileDir } = await openTracingBench(options);
  const topicPrefix = `${uniqueName('bench')}/campus/v1`;
  const rounds: Round[] = [];
  let nextSeqs: Record<string, number> = {};
  let seed = 0;
  const drive = async (durationMs: number) => {
    seed += 1;
    const run = await driveBenchTerminals({
      mqttUrl: broker.url,
      topicPrefix,
      terminals: ledger.terminals,
      cards: ledger.cards,
      ratePerSecond: rate,
      durationMs,
      maxOutstandingPerTerminal: window,
      seed,
      firstSeqs: nextSeqs,
    });
    nextSeqs = run.report.nextSeqs;
    return run.report;
  };
  const gatewayOptions = (setting: Setting): GatewayProcessOptions => ({
    databaseUrl: options.databaseUrl,
    schema,
    deviceMasterKey: tracingBenchDeviceMasterKey,
    timeZone: options.timeZone,
    mqttUrl: broker.url,
    topicPrefix,
    tracing: setting === 'off' ? undefined : { sampleRatio, otlpEndpoint: sink.endpoint, context: setting },
    primeStreams: ledger.cards.map((cardNo) => streamIdOf('account', accountOfBenchCard(cardNo))),
    profileDir,
  });
  try {
    // Unmeasured: Postgres settles after the seed (autovacuum, checkpoints) before any setting is timed.
    const settling = await startGatewayProcess({ ...gatewayOptions('off'), profileDir: undefined });
    await drive(settleSeconds * 1_000);
    await settling.stop();
    for (let round = 0; round < roundCount; round += 1) {
      const order = settings.map((_, index) => settings[(index + round) % settings.length] as Setting);
      for (const setting of order) {
        const gateway = await startGatewayProcess(gatewayOptions(setting));
        await drive(warmupSeconds * 1_000);
        gateway.mark();
        const report = await drive(seconds * 1_000);
        const stopped = await gateway.stop();
        const result: Round = { round: round + 1, setting, ...gatewayFigures(report, stopped) };
        rounds.push(result);
        options.log(
          `round ${round + 1}, tracing ${setting}: ${result.chargesPerSecond} charges/s, ` +
            `p99 ${result.p99Ms} ms, gateway per charge: CPU ${result.gatewayCpuMsPerCharge} ms, ` +
            `main thread ${result.gatewayMainThreadMsPerCharge} ms, GC pauses ${result.gatewayGcPauseMsPerCharge} ms`,
        );
      }
    }
  } finally {
    await ledger.close();
    await sink.stop();
    await broker.stop();
  }
  return {
    offeredPerSecond: rate,
    sampleRatio,
    secondsPerSetting: seconds,
    terminals: terminalCount,
    cards: cardCount,
    window,
    rounds,
    medians: summarize(rounds, settings),
    otlpSink: sink.received(),
    maxThroughputOverhead: overheadTarget,
  };
};
