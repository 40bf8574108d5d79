import { pino } from 'pino';
import { Registry } from 'prom-client';
import { startDeviceGateway } from '../../device-gateway/index.ts';
import { uniqueName } from '../../testing/services.ts';
import {
  createRandom,
  runTerminalsInWorker,
  startPrivateMosquitto,
  type TerminalRunReport,
} from '../terminals/index.ts';
import { type Benchmark, type BenchmarkOptions, numberParameter } from './benchmark.ts';
import { benchAmountFen, measureHandlerRate, openBenchLedger } from './gateway-ledger.ts';

// `npm run bench -- gateway`: simulated POS terminals (on a worker thread) drive the device gateway
// through Mosquitto on real Postgres, at 500/s, 2,000/s and as fast as they can, beside the command
// handler's own rate measured in the same run. Targets: gateway ≥ 80 % of the handler's rate, p99 ≤ 50 ms
// at 2,000/s.
//
// Parameters: --seconds=<per phase, default 10> --terminals=<default 100> --cards=<default 5000>
// --window=<outstanding charges per terminal in the max phase, default 8>
// --broker=private (default: a Mosquitto of our own with set_tcp_nodelay) | machine (127.0.0.1:1883) | <url>

const deviceMasterKey = 'bench-gateway-device-master-key';
const handlerConcurrency = 512;
const steadyWindowPerTerminal = 4;
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
  latencyMs: TerminalRunReport['latencyMs'];
  mainThreadBusyMsPerCharge: number;
};

/**
 * Busy time of this process's main thread (gateway, handler, Postgres client) per charge: a figure that
 * other load on the machine changes far less than rates and latencies do.
 */
const mainThreadMeter = () => {
  const start = performance.eventLoopUtilization();
  return (charges: number) => {
    const used = performance.eventLoopUtilization(start);
    return Math.round(((used.active / Math.max(1, charges)) * 1_000) / 10) / 100;
  };
};

const phaseOf = (
  offered: number | 'max',
  report: TerminalRunReport,
  busyMsPerCharge: number,
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
  mainThreadBusyMsPerCharge: busyMsPerCharge,
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
    const handlerMeter = mainThreadMeter();
    const handler = await measureHandlerRate(ledger, {
      seconds,
      concurrency: handlerConcurrency,
      random: random.fraction,
    });
    const handlerBusyMsPerCharge = handlerMeter(handler.operations);
    options.log(`handler: ${handler.operationsPerSecond} charges/s`);

    let nextSeqs: Record<string, number> = {};
    const phases: PhaseResult[] = [];
    for (const offered of [500, 2_000, 'max'] as const) {
      options.log(`gateway at ${offered}${offered === 'max' ? '' : '/s'} for ${seconds} s`);
      const meter = mainThreadMeter();
      const report = await runTerminalsInWorker({
        mqttUrl: broker.url,
        topicPrefix,
        terminals: ledger.terminals,
        cards: ledger.cards,
        ratePerSecond: offered,
        durationMs: seconds * 1_000,
        amountFen: benchAmountFen,
        maxOutstandingPerTerminal: offered === 'max' ? maxWindow : steadyWindowPerTerminal,
        // Long enough that an overloaded run measures capacity rather than a storm of resends.
        responseTimeoutMs: 10_000,
        drainTimeoutMs: 30_000,
        seed: phases.length + 1,
        firstSeqs: nextSeqs,
      });
      nextSeqs = report.nextSeqs;
      const phase = phaseOf(offered, report, meter(report.requests));
      phases.push(phase);
      options.log(
        `→ ${phase.chargesPerSecond} charges/s, p50 ${phase.latencyMs.p50} ms, p99 ${phase.latencyMs.p99} ms`,
      );
    }
    const max = phases[2] as PhaseResult;
    const at2000 = phases[1] as PhaseResult;
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
        mainThreadBusyMsPerCharge: handlerBusyMsPerCharge,
      },
      phases,
      gateway: { stats: gateway.stats() },
      targets: {
        maxRateShareOfHandler: Math.round((max.chargesPerSecond / handler.operationsPerSecond) * 100) / 100,
        meetsRateTarget: max.chargesPerSecond >= rateTargetShare * handler.operationsPerSecond,
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
