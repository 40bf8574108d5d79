import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { type Logger, pino } from 'pino';
import { buildCommandApi } from '../../command-api/index.ts';
import { createPgClient, createSqlEventStore, migrateEventStoreSchema } from '../../event-store/index.ts';
import { createDevToken } from '../../http-kit/index.ts';
import {
  type CommandContext,
  type CommandHandler,
  createCommandHandler,
  defaultLedgerTimeZone,
  type LedgerCommand,
} from '../../ledger-core/index.ts';
import { createLogger } from '../../runtime/logger.ts';
import { type Benchmark, numberParameter } from './benchmark.ts';
import { buildHttpLayerAlone } from './http-layer-alone.ts';
import {
  benchMerchantId,
  driveHandler,
  driveHttp,
  type HttpRateFigures,
  type RateFigures,
  rounded,
} from './http-load.ts';
import { startNodeHttpFloor } from './http-node-floor.ts';
import { coresNeeded, machineCpuMeter } from './machine-cpu.ts';
import { createUsageProbe, type UsageProbe } from './postgres-usage.ts';
import { processCpuMeter } from './process-cpu.ts';

// `npm run bench -- http`: POST /v1/accounts/{id}/charges driven by autocannon against a listening
// command-api on real Postgres, beside the command handler called directly at the same concurrency in
// the same run. The ratio of the two rates is what the HTTP layer costs (target: HTTP ≥ 70 %).
// autocannon runs in a worker thread so the load generator does not share the server's event loop.
// Everything lives in a Postgres schema of its own, dropped at the end.

export const httpBenchTargetRatio = 0.7;
export const defaultHttpBenchConnections = 64;
export const defaultHttpBenchDurationSeconds = 10;
export const defaultHttpBenchAccounts = 1_000;
export const defaultHttpBenchRounds = 3;
/** Request lines off, as under load; `--log-level=info` measures the runtime's default. */
export const defaultHttpBenchLogLevel = 'warn';
const warmUpSeconds = 2;
/** Far above what the bench can send: the limiter is on the path but never refuses. */
const benchRateLimit = { maxRequests: 100_000_000, timeWindowMs: 60_000 };
const jwtSecret = 'http-bench-secret-0123456789abcdef';
/** The event store's connections, named so the usage probe finds their Postgres backends. */
const storeApplicationName = 'bench-http';
const deviceMasterKey = 'http-bench-device-master-key-0123';

export type HttpBenchOptions = {
  databaseUrl: string;
  connections?: number;
  durationSeconds?: number;
  accounts?: number;
  rounds?: number;
  logLevel?: string;
  timeZone?: string;
  log?: (line: string) => void;
};

export type HttpBenchRound = {
  handler: RateFigures;
  http: HttpRateFigures;
  httpToHandlerRatio: number;
};

export type HttpBenchResult = HttpBenchRound & {
  benchmark: 'http';
  eventStore: 'postgres';
  connections: number;
  durationSeconds: number;
  accounts: number;
  logLevel: string;
  targetRatio: number;
  metTarget: boolean;
  rounds: HttpBenchRound[];
  /** Baseline: the same API in front of a handler that answers at once (http-layer-alone.ts). */
  httpLayerAlone: HttpRateFigures;
  /** Baseline: Node's HTTP server without a framework, answering at once (http-node-floor.ts). */
  nodeHttpFloor: HttpRateFigures;
  /**
   * Cores the target rate (the median round's handler rate × the target ratio) would keep busy at the
   * machine CPU that round's HTTP phase spent per request; null without /proc.
   */
  targetNeedsCores: number | null;
};

const busyPerRequest = (busyMs: number, completed: number) =>
  completed === 0 ? 0 : rounded(busyMs / completed, 3);

/**
 * Runs a phase and adds where its CPU went per completed request: the main thread's busy time, the
 * whole machine, this process's main thread and other threads, and Postgres's backends (with a probe).
 */
const withCpuFigures = async <Figures extends RateFigures>(
  phase: () => Promise<Figures>,
  postgres?: UsageProbe,
): Promise<Figures> => {
  await postgres?.begin();
  const loopBefore = performance.eventLoopUtilization();
  const endMachineCpu = await machineCpuMeter();
  const endProcessCpu = await processCpuMeter();
  const figures = await phase();
  const processCpu = await endProcessCpu(figures.completed);
  const machineCpu = await endMachineCpu(figures.completed);
  const loop = performance.eventLoopUtilization(loopBefore);
  const postgresMicros = (await postgres?.end(figures.completed))?.postgresCpuMicrosecondsPerOperation;
  return {
    ...figures,
    mainThreadBusyMsPerRequest: busyPerRequest(loop.active, figures.completed),
    ...(machineCpu ? { machineCpu } : {}),
    ...(processCpu ? { processCpu } : {}),
    ...(typeof postgresMicros === 'number' ? { postgresCpuMsPerOperation: postgresMicros / 1_000 } : {}),
  };
};

/** "main thread 0.07, other threads 0.03, Postgres 0.05, whole machine 0.2 ms of CPU per request" */
const cpuLine = (figures: RateFigures): string => {
  const parts = [
    figures.processCpu &&
      `main thread ${figures.processCpu.mainThreadMsPerOperation}, other threads ${figures.processCpu.otherThreadsMsPerOperation}`,
    figures.postgresCpuMsPerOperation !== undefined && `Postgres ${figures.postgresCpuMsPerOperation}`,
    figures.machineCpu && `whole machine ${figures.machineCpu.cpuMsPerOperation}`,
  ];
  return `${parts.filter(Boolean).join(', ')} ms of CPU per request`;
};

const urlOf = (app: FastifyInstance): string => {
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('command-api is not on a TCP port');
  return `http://127.0.0.1:${address.port}`;
};

const seed = async (handler: CommandHandler, accounts: number): Promise<void> => {
  const occurredAt = new Date().toISOString();
  const context: CommandContext = {
    correlationId: 'bench-seed',
    causationId: 'bench-seed',
    actor: { type: 'system', id: 'bench' },
  };
  const run = (command: LedgerCommand) => handler.handle(command, context);
  await run({
    type: 'RegisterMerchant',
    occurredAt,
    merchantId: benchMerchantId,
    name: 'Bench Canteen',
    category: 'canteen',
  });
  const seedBatch = 500;
  for (let first = 0; first < accounts; first += seedBatch) {
    const indexes = Array.from(
      { length: Math.min(seedBatch, accounts - first) },
      (_, offset) => first + offset,
    );
    await Promise.all(
      indexes.map(async (index) => {
        const accountId = `bench-${index}`;
        await run({
          type: 'OpenAccount',
          occurredAt,
          accountId,
          holderName: `Bench ${index}`,
          holderType: 'student',
          cardNo: `62990${String(index).padStart(11, '0')}`,
          limits: { perTransaction: '1000.00', daily: '1000000.00' },
          offlineLimit: '0.00',
        });
        await run({
          type: 'TopUp',
          occurredAt,
          accountId,
          txId: `bench-seed-${index}`,
          amount: '1000000.00',
          channel: 'bank',
        });
      }),
    );
  }
};

type BaselineOptions = {
  shape: { connections: number; accounts: number };
  durationSeconds: number;
  token: string;
};

/** A baseline server driven like the main phases: warmed up, then measured with its CPU figures. */
const measureBaseline = async (url: string, name: string, options: BaselineOptions) => {
  const drive = (seconds: number, runId: string) =>
    driveHttp(url, { ...options.shape, seconds, runId, token: options.token });
  await drive(warmUpSeconds, `warm-${name}`);
  return withCpuFigures(() => drive(options.durationSeconds, name));
};

const runHttpLayerAlone = async (
  options: BaselineOptions & { logger: Logger; timeZone: string },
): Promise<HttpRateFigures> => {
  const app = await buildHttpLayerAlone({
    jwtSecret,
    deviceMasterKey,
    timeZone: options.timeZone,
    logger: options.logger,
    rateLimit: benchRateLimit,
  });
  try {
    await app.listen({ host: '127.0.0.1', port: 0 });
    return await measureBaseline(urlOf(app), 'alone', options);
  } finally {
    await app.close();
  }
};

const runNodeHttpFloor = async (options: BaselineOptions): Promise<HttpRateFigures> => {
  const floor = await startNodeHttpFloor();
  try {
    return await measureBaseline(floor.url, 'floor', options);
  } finally {
    await floor.close();
  }
};

export const runHttpBench = async (options: HttpBenchOptions): Promise<HttpBenchResult> => {
  const connections = options.connections ?? defaultHttpBenchConnections;
  const durationSeconds = options.durationSeconds ?? defaultHttpBenchDurationSeconds;
  const accounts = options.accounts ?? defaultHttpBenchAccounts;
  const roundCount = options.rounds ?? defaultHttpBenchRounds;
  const log = options.log ?? (() => undefined);
  const schema = `bench_http_${Date.now().toString(36)}`;
  const namedUrl = new URL(options.databaseUrl);
  namedUrl.searchParams.set('application_name', storeApplicationName);
  const sql = createPgClient({ connectionString: namedUrl.toString(), schema });
  const admin = new pg.Client({ connectionString: options.databaseUrl });
  await admin.connect();
  const postgres = createUsageProbe(admin, storeApplicationName);
  // The runtime's own logger, written to /dev/null: at `info` every request writes two lines.
  const logLevel = options.logLevel ?? defaultHttpBenchLogLevel;
  const logger: Logger = createLogger({
    level: logLevel,
    destination: pino.destination({ dest: '/dev/null', sync: false }),
  });
  await migrateEventStoreSchema(sql, schema);
  const store = createSqlEventStore(sql);
  const appends = { count: 0, commands: 0 };
  const timeZone = options.timeZone ?? defaultLedgerTimeZone;
  const handler = createCommandHandler({
    store,
    timeZone,
    observer: {
      onAppend: ({ commands }) => {
        appends.count += 1;
        appends.commands += commands;
      },
    },
  });
  /** Runs a phase and adds how many commands each append carried meanwhile. */
  const measured = async <Figures extends RateFigures>(phase: () => Promise<Figures>): Promise<Figures> => {
    appends.count = 0;
    appends.commands = 0;
    const figures = await withCpuFigures(phase, postgres);
    return {
      ...figures,
      commandsPerAppend: appends.count === 0 ? 0 : rounded(appends.commands / appends.count, 1),
    };
  };
  const app = await buildCommandApi({
    handler,
    store,
    auth: { jwtSecret },
    deviceMasterKey,
    timeZone,
    logger,
    rateLimit: benchRateLimit,
  });
  try {
    log(`seeding ${accounts} accounts into ${schema}…`);
    await seed(handler, accounts);
    await app.listen({ host: '127.0.0.1', port: 0 });
    const url = urlOf(app);
    const token = createDevToken(jwtSecret, 'pos', 'bench-till');
    const shape = { connections, accounts };

    log(`warming up both paths for ${warmUpSeconds} s each…`);
    await driveHandler(handler, { ...shape, seconds: warmUpSeconds, runId: 'warm-h' });
    await driveHttp(url, { ...shape, seconds: warmUpSeconds, runId: 'warm-x', token });

    // Alternating rounds, so a change in the machine's load meets both paths alike; the round with the
    // median ratio is reported, every round is listed.
    const rounds: HttpBenchRound[] = [];
    for (let round = 1; round <= roundCount; round += 1) {
      log(
        `round ${round}/${roundCount}: command handler, ${connections} concurrent callers, ${durationSeconds} s…`,
      );
      const direct = await measured(() =>
        driveHandler(handler, { ...shape, seconds: durationSeconds, runId: `h${round}` }),
      );
      log(
        `  ${direct.requestsPerSecond} commands/s, p50 ${direct.p50Ms} ms, p99 ${direct.p99Ms} ms, ${direct.commandsPerAppend} commands/append, ${direct.mainThreadBusyMsPerRequest} ms busy/command, ${direct.machineCpu?.busyCores ?? '?'} cores busy`,
      );
      log(`  ${cpuLine(direct)}`);
      log(
        `round ${round}/${roundCount}: HTTP, autocannon with ${connections} connections, ${durationSeconds} s…`,
      );
      const http = await measured(() =>
        driveHttp(url, { ...shape, seconds: durationSeconds, runId: `x${round}`, token }),
      );
      log(
        `  ${http.requestsPerSecond} requests/s, p50 ${http.p50Ms} ms, p99 ${http.p99Ms} ms, ${http.errors} errors, ${http.commandsPerAppend} commands/append, ${http.mainThreadBusyMsPerRequest} ms busy/request, ${http.machineCpu?.busyCores ?? '?'} cores busy`,
      );
      log(`  ${cpuLine(http)}`);
      const ratio = direct.requestsPerSecond === 0 ? 0 : http.requestsPerSecond / direct.requestsPerSecond;
      rounds.push({ handler: direct, http, httpToHandlerRatio: rounded(ratio, 3) });
    }
    log(`HTTP layer alone: the same API answering every charge at once, ${durationSeconds} s…`);
    const httpLayerAlone = await runHttpLayerAlone({ logger, timeZone, shape, durationSeconds, token });
    log(
      `  ${httpLayerAlone.requestsPerSecond} requests/s, p50 ${httpLayerAlone.p50Ms} ms, ${httpLayerAlone.mainThreadBusyMsPerRequest} ms busy/request, ${httpLayerAlone.machineCpu?.busyCores ?? '?'} cores busy`,
    );
    log(`  ${cpuLine(httpLayerAlone)}`);
    log(`Node's HTTP server without a framework, answering every charge at once, ${durationSeconds} s…`);
    const nodeHttpFloor = await runNodeHttpFloor({ shape, durationSeconds, token });
    log(
      `  ${nodeHttpFloor.requestsPerSecond} requests/s, p50 ${nodeHttpFloor.p50Ms} ms, ${nodeHttpFloor.machineCpu?.busyCores ?? '?'} cores busy`,
    );
    log(`  ${cpuLine(nodeHttpFloor)}`);
    const median = [...rounds].sort((a, b) => a.httpToHandlerRatio - b.httpToHandlerRatio)[
      Math.floor(rounds.length / 2)
    ] as HttpBenchRound;
    const httpCpu = median.http.machineCpu;
    const targetNeedsCores = httpCpu
      ? coresNeeded(httpCpu.cpuMsPerOperation, median.handler.requestsPerSecond * httpBenchTargetRatio)
      : null;
    log(
      `at ${httpCpu?.cpuMsPerOperation ?? '?'} ms of machine CPU per HTTP request, ${httpBenchTargetRatio * 100} % of the handler's rate would keep ${targetNeedsCores ?? '?'} of ${httpCpu?.machineCores ?? '?'} cores busy`,
    );
    return {
      benchmark: 'http',
      eventStore: 'postgres',
      connections,
      durationSeconds,
      accounts,
      logLevel,
      ...median,
      targetRatio: httpBenchTargetRatio,
      metTarget: median.httpToHandlerRatio >= httpBenchTargetRatio,
      rounds,
      httpLayerAlone,
      nodeHttpFloor,
      targetNeedsCores,
    };
  } finally {
    await app.close();
    await handler.close();
    await sql.query(`DROP SCHEMA ${schema} CASCADE`);
    await store.close();
    await admin.end();
  }
};

export const httpBenchmark: Benchmark = {
  name: 'http',
  description: `POST …/charges over HTTP (autocannon) vs the command handler at the same concurrency; target ≥ ${httpBenchTargetRatio * 100} % (--seconds, --connections, --accounts, --rounds, --log-level)`,
  run: (options) =>
    runHttpBench({
      databaseUrl: options.databaseUrl,
      durationSeconds: numberParameter(options, 'seconds', defaultHttpBenchDurationSeconds),
      connections: numberParameter(options, 'connections', defaultHttpBenchConnections),
      accounts: numberParameter(options, 'accounts', defaultHttpBenchAccounts),
      rounds: numberParameter(options, 'rounds', defaultHttpBenchRounds),
      logLevel: options.parameters['log-level'] ?? defaultHttpBenchLogLevel,
      timeZone: options.timeZone,
      log: options.log,
    }),
};
