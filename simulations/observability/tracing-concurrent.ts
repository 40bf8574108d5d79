import { streamIdOf } from '../../ledger-core/index.ts';
import { type TraceContextMode, traceContextModes } from '../../runtime/telemetry.ts';
import { uniqueName } from '../../testing/services.ts';
import type { BenchmarkOptions } from '../bench/benchmark.ts';
import { accountOfBenchCard, type openBenchLedger } from '../bench/gateway-ledger.ts';
import type { GatewayProcessOptions } from './gateway-process.ts';
import {
  benchParameters,
  driveBenchTerminals,
  type GatewayProcess,
  gatewayFigures,
  median,
  openTracingBench,
  overheadTarget,
  rounded,
  startGatewayProcess,
  tracingBenchDeviceMasterKey,
} from './tracing-overhead.ts';

// `npm run bench -- gateway --tracing=concurrent`: a traced and an untraced gateway run at the same
// time on one ledger, each serving half of the terminals and half of the cards under a topic prefix of
// its own, as fast as the terminals' windows allow. Both meet the machine in the same state at the same
// moment, so the ratio of their rates is what tracing costs a gateway that shares its cores, without the
// swings between fresh processes run one after the other (`--tracing=compare`, ±10 % per round). The
// halves swap settings from round to round, so a difference between the halves cancels out.
//
// Parameters: --rounds=<default 4> --seconds=<default 10> --warmup=<default 20> --terminals=<default 100>
// --cards=<default 5000> --window=<default 8> --ratio=<sampled share, default 0.1>
// --context=<explicit | async-local-storage, default explicit> --cpu-prof=<dir> (each gateway's measured seconds)

type Half = { terminals: Awaited<ReturnType<typeof openBenchLedger>>['terminals']; cards: string[] };
type Figures = ReturnType<typeof gatewayFigures>;
type Round = { round: number; tracedHalf: number; off: Figures; traced: Figures; throughputRatio: number };

const contextOf = (options: BenchmarkOptions): TraceContextMode => {
  const context = options.parameters.context ?? 'explicit';
  if (!(traceContextModes as readonly string[]).includes(context)) {
    throw new Error(`--context takes ${traceContextModes.join(', ')}; got ${context}`);
  }
  return context as TraceContextMode;
};

const summarize = (rounds: Round[]) => {
  const medianOf = (pick: (round: Round) => number) => median(rounds.map(pick));
  const throughputRatio = rounded(medianOf((round) => round.throughputRatio));
  return {
    offChargesPerSecond: medianOf((round) => round.off.chargesPerSecond),
    tracedChargesPerSecond: medianOf((round) => round.traced.chargesPerSecond),
    medianThroughputRatio: throughputRatio,
    throughputOverhead: rounded(1 - throughputRatio),
    cpuPerChargeRatio: rounded(
      medianOf((round) => round.traced.gatewayCpuMsPerCharge / round.off.gatewayCpuMsPerCharge),
    ),
    meetsOverheadTarget: 1 - throughputRatio <= overheadTarget,
  };
};

/** Both gateways of a round, or neither: one that started is killed when the other failed to. */
const startBoth = async (settings: GatewayProcessOptions[]): Promise<GatewayProcess[]> => {
  const started = await Promise.allSettled(settings.map(startGatewayProcess));
  const failure = started.find((result) => result.status === 'rejected');
  if (!failure) return started.map((result) => (result as PromiseFulfilledResult<GatewayProcess>).value);
  for (const result of started) if (result.status === 'fulfilled') result.value.kill();
  throw failure.reason;
};

export const compareGatewayTracingConcurrently = async (options: BenchmarkOptions): Promise<object> => {
  const { roundCount, seconds, warmupSeconds, terminalCount, cardCount, window, sampleRatio } =
    benchParameters(options, 4);
  const context = contextOf(options);
  const { broker, sink, schema, ledger, profileDir } = await openTracingBench(options);
  const halves: Half[] = [0, 1].map((half) => ({
    terminals: ledger.terminals.filter((_, index) => index % 2 === half),
    cards: ledger.cards.filter((_, index) => index % 2 === half),
  }));
  const topicPrefixes = halves.map(() => `${uniqueName('bench')}/campus/v1`);
  let nextSeqs: Record<string, number> = {};
  let seed = 0;
  const driveBoth = async (durationMs: number) => {
    const runs = await Promise.all(
      halves.map((half, index) => {
        seed += 1;
        return driveBenchTerminals({
          mqttUrl: broker.url,
          topicPrefix: topicPrefixes[index] as string,
          terminals: half.terminals,
          cards: half.cards,
          ratePerSecond: 'max',
          durationMs,
          maxOutstandingPerTerminal: window,
          seed,
          firstSeqs: nextSeqs,
        });
      }),
    );
    nextSeqs = Object.assign({}, nextSeqs, ...runs.map((run) => run.report.nextSeqs));
    return runs.map((run) => run.report);
  };
  const gatewayOptions = (half: number, traced: boolean): GatewayProcessOptions => ({
    databaseUrl: options.databaseUrl,
    schema,
    deviceMasterKey: tracingBenchDeviceMasterKey,
    timeZone: options.timeZone,
    mqttUrl: broker.url,
    topicPrefix: topicPrefixes[half] as string,
    tracing: traced ? { sampleRatio, otlpEndpoint: sink.endpoint, context } : undefined,
    primeStreams: (halves[half] as Half).cards.map((cardNo) =>
      streamIdOf('account', accountOfBenchCard(cardNo)),
    ),
    profileDir,
  });
  const rounds: Round[] = [];
  try {
    for (let round = 0; round < roundCount; round += 1) {
      const tracedHalf = round % 2;
      const gateways = await startBoth(halves.map((_, half) => gatewayOptions(half, half === tracedHalf)));
      await driveBoth(warmupSeconds * 1_000);
      for (const gateway of gateways) gateway.mark();
      const reports = await driveBoth(seconds * 1_000);
      const stopped = await Promise.all(gateways.map((gateway) => gateway.stop()));
      const figuresOf = (half: number) =>
        gatewayFigures(reports[half] as (typeof reports)[number], stopped[half] as (typeof stopped)[number]);
      const traced = figuresOf(tracedHalf);
      const off = figuresOf(1 - tracedHalf);
      const throughputRatio = rounded(traced.chargesPerSecond / off.chargesPerSecond);
      rounds.push({ round: round + 1, tracedHalf, off, traced, throughputRatio });
      options.log(
        `round ${round + 1}: off ${off.chargesPerSecond} charges/s (${off.gatewayCpuMsPerCharge} ms CPU/charge, ` +
          `${off.gatewayOtherThreadsCpuMsPerCharge} ms of it off the main thread), traced ${traced.chargesPerSecond} ` +
          `charges/s (${traced.gatewayCpuMsPerCharge} ms, ${traced.gatewayOtherThreadsCpuMsPerCharge} ms): ×${throughputRatio}`,
      );
    }
  } finally {
    await ledger.close();
    await sink.stop();
    await broker.stop();
  }
  return {
    method: 'concurrent',
    offeredPerSecond: 'max',
    sampleRatio,
    context,
    secondsPerRound: seconds,
    terminals: terminalCount,
    cards: cardCount,
    window,
    rounds,
    summary: summarize(rounds),
    otlpSink: sink.received(),
    maxThroughputOverhead: overheadTarget,
  };
};
