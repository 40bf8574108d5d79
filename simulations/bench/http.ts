import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
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
import { type Benchmark, numberParameter } from './benchmark.ts';

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
const warmUpSeconds = 2;
const chargeAmount = '0.01';
const merchantId = 'bench-merchant';
/** Far above what the bench can send: the limiter is on the path but never refuses. */
const benchRateLimit = { maxRequests: 100_000_000, timeWindowMs: 60_000 };
const jwtSecret = 'http-bench-secret-0123456789abcdef';

export type HttpBenchOptions = {
  databaseUrl: string;
  connections?: number;
  durationSeconds?: number;
  accounts?: number;
  rounds?: number;
  timeZone?: string;
  log?: (line: string) => void;
};

export type RateFigures = {
  requestsPerSecond: number;
  completed: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  /** Group commit: commands per event-store append during the phase. */
  commandsPerAppend?: number;
  /**
   * Main event loop busy time per completed request: the server's cost per request. It includes time
   * the OS kept the busy thread waiting for a core, so on a loaded machine it overstates the CPU used.
   */
  mainThreadBusyMsPerRequest?: number;
};

export type HttpBenchRound = {
  handler: RateFigures;
  http: RateFigures & { non2xx: number; timeouts: number };
  httpToHandlerRatio: number;
};

export type HttpBenchResult = HttpBenchRound & {
  benchmark: 'http';
  eventStore: 'postgres';
  connections: number;
  durationSeconds: number;
  accounts: number;
  targetRatio: number;
  metTarget: boolean;
  rounds: HttpBenchRound[];
};

const percentile = (sortedMs: number[], fraction: number): number =>
  sortedMs.length === 0
    ? 0
    : (sortedMs[Math.min(sortedMs.length - 1, Math.floor(sortedMs.length * fraction))] ?? 0);
const rounded = (value: number, places = 2) => Math.round(value * 10 ** places) / 10 ** places;

const seed = async (handler: CommandHandler, accounts: number): Promise<void> => {
  const occurredAt = new Date().toISOString();
  const context: CommandContext = {
    correlationId: 'bench-seed',
    causationId: 'bench-seed',
    actor: { type: 'system', id: 'bench' },
  };
  const run = (command: LedgerCommand) => handler.handle(command, context);
  await run({ type: 'RegisterMerchant', occurredAt, merchantId, name: 'Bench Canteen', category: 'canteen' });
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

/** `connections` callers, each sending its next charge as soon as the last one is answered. */
const driveHandler = async (
  handler: CommandHandler,
  options: { connections: number; seconds: number; accounts: number; runId: string },
): Promise<RateFigures> => {
  const latenciesMs: number[] = [];
  let errors = 0;
  let sequence = 0;
  const startedAt = performance.now();
  const endAt = startedAt + options.seconds * 1_000;
  const caller = async () => {
    while (performance.now() < endAt) {
      sequence += 1;
      const command: LedgerCommand = {
        type: 'Charge',
        occurredAt: new Date().toISOString(),
        accountId: `bench-${Math.floor(Math.random() * options.accounts)}`,
        txId: `${options.runId}-${sequence}`,
        amount: chargeAmount,
        merchantId,
        offline: false,
      };
      const sentAt = performance.now();
      try {
        await handler.handle(command, {
          correlationId: command.txId,
          causationId: command.txId,
          actor: { type: 'pos', id: 'bench' },
        });
        latenciesMs.push(performance.now() - sentAt);
      } catch {
        errors += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: options.connections }, caller));
  const elapsedSeconds = (performance.now() - startedAt) / 1_000;
  latenciesMs.sort((a, b) => a - b);
  return {
    requestsPerSecond: Math.round(latenciesMs.length / elapsedSeconds),
    completed: latenciesMs.length,
    p50Ms: rounded(percentile(latenciesMs, 0.5)),
    p99Ms: rounded(percentile(latenciesMs, 0.99)),
    errors,
  };
};

const driveHttp = async (
  url: string,
  options: { connections: number; seconds: number; accounts: number; runId: string; token: string },
): Promise<HttpBenchRound['http']> => {
  process.env.HTTP_BENCH_ACCOUNTS = String(options.accounts);
  process.env.HTTP_BENCH_RUN_ID = options.runId;
  process.env.HTTP_BENCH_MERCHANT_ID = merchantId;
  const result = await autocannon({
    url,
    connections: options.connections,
    duration: options.seconds,
    workers: 1,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${options.token}` },
    requests: [{ setupRequest: fileURLToPath(new URL('./http-charge-request.cjs', import.meta.url)) }],
  });
  return {
    requestsPerSecond: Math.round(result['2xx'] / result.duration),
    completed: result['2xx'],
    p50Ms: rounded(result.latency.p50),
    p99Ms: rounded(result.latency.p99),
    errors: result.errors + result.non2xx,
    non2xx: result.non2xx,
    timeouts: result.timeouts,
  };
};

export const runHttpBench = async (options: HttpBenchOptions): Promise<HttpBenchResult> => {
  const connections = options.connections ?? defaultHttpBenchConnections;
  const durationSeconds = options.durationSeconds ?? defaultHttpBenchDurationSeconds;
  const accounts = options.accounts ?? defaultHttpBenchAccounts;
  const roundCount = options.rounds ?? defaultHttpBenchRounds;
  const log = options.log ?? (() => undefined);
  const schema = `bench_http_${Date.now().toString(36)}`;
  const sql = createPgClient({ connectionString: options.databaseUrl, schema });
  const logger: Logger = pino({ level: 'warn' });
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
  const measured = async (phase: () => Promise<RateFigures>): Promise<RateFigures> => {
    appends.count = 0;
    appends.commands = 0;
    const loopBefore = performance.eventLoopUtilization();
    const figures = await phase();
    const loop = performance.eventLoopUtilization(loopBefore);
    return {
      ...figures,
      commandsPerAppend: appends.count === 0 ? 0 : rounded(appends.commands / appends.count, 1),
      mainThreadBusyMsPerRequest: figures.completed === 0 ? 0 : rounded(loop.active / figures.completed, 3),
    };
  };
  const app = await buildCommandApi({
    handler,
    store,
    auth: { jwtSecret },
    deviceMasterKey: 'http-bench-device-master-key-0123',
    timeZone,
    logger,
    rateLimit: benchRateLimit,
  });
  try {
    log(`seeding ${accounts} accounts into ${schema}…`);
    await seed(handler, accounts);
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    if (address === null || typeof address === 'string') throw new Error('command-api is not on a TCP port');
    const url = `http://127.0.0.1:${address.port}`;
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
        `  ${direct.requestsPerSecond} commands/s, p50 ${direct.p50Ms} ms, p99 ${direct.p99Ms} ms, ${direct.commandsPerAppend} commands/append, ${direct.mainThreadBusyMsPerRequest} ms busy/command`,
      );
      log(
        `round ${round}/${roundCount}: HTTP, autocannon with ${connections} connections, ${durationSeconds} s…`,
      );
      const http = (await measured(() =>
        driveHttp(url, { ...shape, seconds: durationSeconds, runId: `x${round}`, token }),
      )) as HttpBenchRound['http'];
      log(
        `  ${http.requestsPerSecond} requests/s, p50 ${http.p50Ms} ms, p99 ${http.p99Ms} ms, ${http.errors} errors, ${http.commandsPerAppend} commands/append, ${http.mainThreadBusyMsPerRequest} ms busy/request`,
      );
      const ratio = direct.requestsPerSecond === 0 ? 0 : http.requestsPerSecond / direct.requestsPerSecond;
      rounds.push({ handler: direct, http, httpToHandlerRatio: rounded(ratio, 3) });
    }
    const median = [...rounds].sort((a, b) => a.httpToHandlerRatio - b.httpToHandlerRatio)[
      Math.floor(rounds.length / 2)
    ] as HttpBenchRound;
    return {
      benchmark: 'http',
      eventStore: 'postgres',
      connections,
      durationSeconds,
      accounts,
      ...median,
      targetRatio: httpBenchTargetRatio,
      metTarget: median.httpToHandlerRatio >= httpBenchTargetRatio,
      rounds,
    };
  } finally {
    await app.close();
    await handler.close();
    await sql.query(`DROP SCHEMA ${schema} CASCADE`);
    await store.close();
  }
};

export const httpBenchmark: Benchmark = {
  name: 'http',
  description: `POST …/charges over HTTP (autocannon) vs the command handler at the same concurrency; target ≥ ${httpBenchTargetRatio * 100} % (--seconds, --connections, --accounts, --rounds)`,
  run: (options) =>
    runHttpBench({
      databaseUrl: options.databaseUrl,
      durationSeconds: numberParameter(options, 'seconds', defaultHttpBenchDurationSeconds),
      connections: numberParameter(options, 'connections', defaultHttpBenchConnections),
      accounts: numberParameter(options, 'accounts', defaultHttpBenchAccounts),
      rounds: numberParameter(options, 'rounds', defaultHttpBenchRounds),
      timeZone: options.timeZone,
      log: options.log,
    }),
};
