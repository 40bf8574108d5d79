import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import type { CommandHandler, LedgerCommand } from '../../ledger-core/index.ts';
import type { MachineCpu } from './machine-cpu.ts';
import type { ProcessCpu } from './process-cpu.ts';

// The two load generators of the http benchmark: the command handler called directly, and autocannon
// against the listening command-api. Both keep `connections` requests in flight, each 0.01 charge with
// a new txId on a random seeded account.

export const benchMerchantId = 'bench-merchant';
const chargeAmount = '0.01';

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
  /** Every process on the machine (server, Postgres, load generator) during the phase (machine-cpu.ts). */
  machineCpu?: MachineCpu;
  /** The benchmark's process: its main thread, and its other threads with the load generator's worker. */
  processCpu?: ProcessCpu;
  /** The event store's Postgres backends, CPU milliseconds per completed request. */
  postgresCpuMsPerOperation?: number;
};

export type HttpRateFigures = RateFigures & { non2xx: number; timeouts: number };

export type LoadShape = { connections: number; seconds: number; accounts: number; runId: string };

const percentile = (sortedMs: number[], fraction: number): number =>
  sortedMs.length === 0
    ? 0
    : (sortedMs[Math.min(sortedMs.length - 1, Math.floor(sortedMs.length * fraction))] ?? 0);
export const rounded = (value: number, places = 2) => Math.round(value * 10 ** places) / 10 ** places;

/** `connections` callers, each sending its next charge as soon as the last one is answered. */
export const driveHandler = async (handler: CommandHandler, options: LoadShape): Promise<RateFigures> => {
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
        merchantId: benchMerchantId,
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

export const driveHttp = async (
  url: string,
  options: LoadShape & { token: string },
): Promise<HttpRateFigures> => {
  process.env.HTTP_BENCH_ACCOUNTS = String(options.accounts);
  process.env.HTTP_BENCH_RUN_ID = options.runId;
  process.env.HTTP_BENCH_MERCHANT_ID = benchMerchantId;
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
