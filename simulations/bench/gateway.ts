import { pino } from 'pino';
import { Registry } from 'prom-client';
import { startDeviceGateway } from '../../device-gateway/index.ts';
import { uniqueName } from '../../testing/services.ts';
import { compareGatewayTracingConcurrently } from '../observability/tracing-concurrent.ts';
import { compareGatewayTracing } from '../observability/tracing-overhead.ts';
import {
  createRandom,
  type ProcessRunResult,
  runTerminalsInProcess,
  startPrivateMosquitto,
} from '../terminals/index.ts';
import { type Benchmark, type BenchmarkOptions, numberParameter } from './benchmark.ts';
import { gatewayLatencyShares } from './gateway-latency-shares.ts';
import { benchAmountFen, measureHandlerRate, openBenchLedger } from './gateway-ledger.ts';
import { coresNeeded, type MachineCpu, machineCpuMeter } from './machine-cpu.ts';

// `npm run bench -- gateway`: simulated POS terminals (in a child process) drive the device gateway
// through Mosquitto on real Postgres, at 500/s, 2,000/s and as fast as they can, beside the command
// handler's own rate measured in the same run. Targets: gateway ≥ 80 % of the handler's rate, p99 ≤ 50 ms
// at 2,000/s.
//
// Parameters: --seconds=<per phase, default 10> --terminals=<default 100> --cards=<default 5000>
// --window=<outstanding charges per terminal in the max phase, default 8>
// --broker=private (default: a Mosquitto of our own with set_tcp_nodelay) | machine (127.0.0.1:1883) | <url>
// --tracing=compare runs the tracing on/off comparison instead (simulations/observability/tracing-overhead.ts),
// --tracing=concurrent the one with both gateways at once (tracing-concurrent.ts).

const deviceMasterKey = 'bench-gateway-device-master-key';
const handlerConcurrency = 512;
const steadyWindowPerTerminal = 4;
/**
 * Between the terminals connecting and the first charge: real terminals stay connected, so a phase
 * measures charges, not the 100 connections, subscriptions and presence updates of its start.
 */
const connectedBeforeChargesMs = 1_000;
const rateTargetShare = 0.8;
const latencyTargetMs = 50;

type PhaseResult = {
  offeredPerSecond: number | 'max';
  chargesPerSecond: number;
  requests: number;
  accepted: number;
  rejected: number;
  errors: { missingResponses: number; problems: number; byCode: Record<string, number> };
  resends: number;
  latencyMs: ProcessRunResult['report']['latencyMs'];
  /** CPU of the gateway's process (gateway + handler) per charge. */
  cpuMsPerCharge: number;
  /** CPU of the simulated terminals' process per charge. */
  terminalsCpuMsPerCharge: number;
  /** Shares of requests the gateway itself answered within 10/25/50/100 ms (gateway-latency-shares.ts). */
  gatewayAnsweredWithin: Record<string, number>;
  /** Every process on the machine (gateway, terminals, Mosquitto, Postgres) during the phase. */
  machineCpu?: MachineCpu;
};

/**
 * CPU time this process (gateway, handler, Postgres client; the terminals run in another) used per
 * charge: unlike rates and latencies, other load on the machine hardly changes it.
 */
const cpuMeter = () => {
  const start = process.cpuUsage();
  return (charges: number) => {
    const used = process.cpuUsage(start);
    return perCharge((used.user + used.system) / 1_000, charges);
  };
};
const perCharge = (cpuMs: number, charges: number) => Math.round((cpuMs / Math.max(1, charges)) * 100) / 100;

const phaseOf = (
  offered: number | 'max',
  { report, cpuMs }: ProcessRunResult,
  cpuMsPerCharge: number,
  gatewayAnsweredWithin: Record<string, number>,
  machineCpu: MachineCpu | undefined,
): PhaseResult => ({
  offeredPerSecond: offered,
  chargesPerSecond: report.answeredPerSecond,
  requests: report.requests,
  accepted: report.byStatus.accepted,
  rejected: report.byStatus.rejected,
  errors: {
    missingResponses: report.missingResponses,
    problems: report.problemCount,
    byCode: Object.fromEntries(Object.entries(report.byCode).filter(([code]) => code !== 'ok')),
  },
  resends: report.resends,
  latencyMs: report.latencyMs,
  cpuMsPerCharge,
  terminalsCpuMsPerCharge: perCharge(cpuMs, report.requests),
  gatewayAnsweredWithin,
  ...(machineCpu ? { machineCpu } : {}),
});

const brokerFor = async (choice: string) => {
  if (choice === 'private') {
    const broker = await startPrivateMosquitto({ noDelay: true, persistence: false });
    return { url: broker.url, label: 'private mosquitto, set_tcp_nodelay true', stop: broker.stop };
  }
  const url = choice === 'machine' ? 'mqtt://127.0.0.1:1883' : choice;
  if (!/^mqtt:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(url))
    throw new Error(`--broker must be on loopback: ${url}`);
  return { url, label: url, stop: async () => undefined };
};

const run = async (options: BenchmarkOptions): Promise<object> => {
  if (options.parameters.tracing === 'compare') return compareGatewayTracing(options);
  if (options.parameters.tracing === 'concurrent') return compareGatewayTracingConcurrently(options);
  const seconds = numberParameter(options, 'seconds', 10);
  const terminalCount = numberParameter(options, 'terminals', 100);
  const cardCount = numberParameter(options, 'cards', 5_000);
  const maxWindow = numberParameter(options, 'window', 8);
  const broker = await brokerFor(options.parameters.broker ?? 'private');
  options.log(`seeding ${terminalCount} terminals and ${cardCount} cards`);
  const ledger = await openBenchLedger({
    databaseUrl: options.databaseUrl,
    schema: uniqueName('bench_gateway'),
    deviceMasterKey,
    terminals: terminalCount,
    cards: cardCount,
    timeZone: options.timeZone,
  });
  const registry = new Registry();
  const topicPrefix = `${uniqueName('bench')}/campus/v1`;
  const gateway = await startDeviceGateway({
    mqttUrl: broker.url,
    handler: ledger.handler,
    store: ledger.store,
    db: ledger.db,
    deviceMasterKey,
    timeZone: options.timeZone,
    logger: pino({ level: 'warn' }),
    registry,
    topicPrefix,
  });
  const random = createRandom(20_260_301);
  try {
    options.log(`command handler alone, ${handlerConcurrency} concurrent callers, ${seconds} s`);
    const handlerMeter = cpuMeter();
    const handlerMachineMeter = await machineCpuMeter();
    const handler = await measureHandlerRate(ledger, {
      seconds,
      concurrency: handlerConcurrency,
      random: random.fraction,
    });
    const handlerCpuMsPerCharge = handlerMeter(handler.operations);
    const handlerMachineCpu = await handlerMachineMeter(handler.operations);
    options.log(`handler: ${handler.operationsPerSecond} charges/s`);

    let nextSeqs: Record<string, number> = {};
    const phases: PhaseResult[] = [];
    const latencyShares = gatewayLatencyShares(registry);
    await latencyShares();
    for (const offered of [500, 2_000, 'max'] as const) {
      options.log(`gateway at ${offered}${offered === 'max' ? '' : '/s'} for ${seconds} s`);
      const meter = cpuMeter();
      const machineMeter = await machineCpuMeter();
      const run = await runTerminalsInProcess({
        mqttUrl: broker.url,
        topicPrefix,
        terminals: ledger.terminals,
        cards: ledger.cards,
        ratePerSecond: offered,
        durationMs: seconds * 1_000,
        warmUpMs: connectedBeforeChargesMs,
        amountFen: benchAmountFen,
        maxOutstandingPerTerminal: offered === 'max' ? maxWindow : steadyWindowPerTerminal,
        // Long enough that an overloaded run measures capacity rather than a storm of resends.
        responseTimeoutMs: 10_000,
        drainTimeoutMs: 30_000,
        seed: phases.length + 1,
        firstSeqs: nextSeqs,
      });
      nextSeqs = run.report.nextSeqs;
      // The terminals' warm-up (connecting, no charges) falls inside the machine's figure; it is short.
      const machineCpu = await machineMeter(run.report.requests);
      const phase = phaseOf(offered, run, meter(run.report.requests), await latencyShares(), machineCpu);
      phases.push(phase);
      options.log(
        `→ ${phase.chargesPerSecond} charges/s, p50 ${phase.latencyMs.p50} ms, p99 ${phase.latencyMs.p99} ms`,
      );
    }
    const max = phases[2] as PhaseResult;
    const at2000 = phases[1] as PhaseResult;
    const rateTarget = rateTargetShare * handler.operationsPerSecond;
    const targetNeedsCores = max.machineCpu
      ? coresNeeded(max.machineCpu.cpuMsPerOperation, rateTarget)
      : null;
    options.log(
      `at ${max.machineCpu?.cpuMsPerOperation ?? '?'} ms of machine CPU per charge (max phase), ${rateTarget.toFixed(0)}/s would keep ${targetNeedsCores ?? '?'} of ${max.machineCpu?.machineCores ?? '?'} cores busy`,
    );
    return {
      broker: broker.label,
      terminals: terminalCount,
      cards: cardCount,
      secondsPerPhase: seconds,
      handler: {
        chargesPerSecond: handler.operationsPerSecond,
        concurrency: handler.concurrency,
        latencyMs: handler.latencyMs,
        failures: handler.failureCodes,
        cpuMsPerCharge: handlerCpuMsPerCharge,
        ...(handlerMachineCpu ? { machineCpu: handlerMachineCpu } : {}),
      },
      phases,
      gateway: { stats: gateway.stats() },
      targets: {
        maxRateShareOfHandler: Math.round((max.chargesPerSecond / handler.operationsPerSecond) * 100) / 100,
        meetsRateTarget: max.chargesPerSecond >= rateTarget,
        /** Cores the rate target would keep busy at the max phase's machine CPU per charge. */
        rateTargetNeedsCores: targetNeedsCores,
        p99At2000PerSecondMs: at2000.latencyMs.p99,
        meetsLatencyTarget:
          at2000.latencyMs.p99 <= latencyTargetMs && at2000.chargesPerSecond >= 0.95 * 2_000,
      },
    };
  } finally {
    await gateway.stop();
    await ledger.close();
    await broker.stop();
  }
};

export const gatewayBenchmark: Benchmark = {
  name: 'gateway',
  description: 'device gateway through Mosquitto on Postgres: charges/s and request→response latency',
  run,
};
