import {
  type CommandContext,
  type CommandHandler,
  createCommandHandler,
  type EventStore,
  formatMoney,
  fromFen,
  ledgerCommandSchema,
} from '../../ledger-core/index.ts';
import { type LoadFigures, runClosedLoop, seededRandom } from './load-loop.ts';

// The ledger side of the core benchmark: accounts opened and funded through the command handler, then
// charges at a given concurrency, each caller awaiting its own charge.

const context: CommandContext = {
  correlationId: 'bench-core',
  causationId: 'bench-core',
  actor: { type: 'system', id: 'bench-core' },
};
const merchantId = 'bench-canteen';
const setupConcurrency = 64;
/** Each account starts with enough for every charge a run can make (≤ 5.00 each, well under 200). */
const fundingAmount = '1000.00';

export type AppendStats = { appends: number; commands: number; events: number; appendMs: number };

export const createBenchHandler = (store: EventStore, timeZone: string, stats: AppendStats): CommandHandler =>
  createCommandHandler({
    store,
    timeZone,
    observer: {
      onAppend: ({ commands, events, durationMs }) => {
        stats.appends += 1;
        stats.commands += commands;
        stats.events += events;
        stats.appendMs += durationMs;
      },
    },
  });

export const accountIdOf = (index: number) => `bench-${index}`;

const command = (input: Record<string, unknown>) =>
  ledgerCommandSchema.parse({ occurredAt: new Date().toISOString(), ...input });

export const openAndFundAccounts = async (handler: CommandHandler, accounts: number) => {
  await handler.handle(
    command({ type: 'RegisterMerchant', merchantId, name: 'Bench canteen', category: 'canteen' }),
    context,
  );
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: setupConcurrency }, async () => {
      for (let index = next++; index < accounts; index = next++) {
        const accountId = accountIdOf(index);
        await handler.handle(
          command({
            type: 'OpenAccount',
            accountId,
            holderName: accountId,
            holderType: 'student',
            cardNo: '62000000001',
          }),
          context,
        );
        await handler.handle(
          command({
            type: 'TopUp',
            accountId,
            txId: `${accountId}-fund`,
            amount: fundingAmount,
            channel: 'bank',
          }),
          context,
        );
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return {
    accounts,
    commands: accounts * 2,
    seconds: Math.round(seconds * 10) / 10,
    commandsPerSecond: Math.round((accounts * 2) / seconds),
  };
};

export const measureHandlerCharges = async (options: {
  handler: CommandHandler;
  stats: AppendStats;
  accounts: number;
  concurrency: number;
  seconds: number;
  runTag: string;
}): Promise<
  LoadFigures & { nodeCpuMicrosecondsPerCharge: number; meanCommandsPerAppend: number; meanAppendMs: number }
> => {
  const random = seededRandom(options.concurrency);
  const before = { ...options.stats };
  const cpuBefore = process.cpuUsage();
  const figures = await runClosedLoop({
    concurrency: options.concurrency,
    seconds: options.seconds,
    operation: async (caller, sequence) => {
      const accountId = accountIdOf(Math.floor(random() * options.accounts));
      const amount = formatMoney(fromFen(BigInt(100 + Math.floor(random() * 400))));
      await options.handler.handle(
        command({
          type: 'Charge',
          accountId,
          txId: `${options.runTag}-${options.concurrency}-${caller}-${sequence}`,
          amount,
          merchantId,
        }),
        context,
      );
    },
  });
  const cpu = process.cpuUsage(cpuBefore);
  const appends = options.stats.appends - before.appends;
  return {
    ...figures,
    // Node's own CPU per charge (handler, driver and load generator): less sensitive to a busy machine.
    nodeCpuMicrosecondsPerCharge: figures.operations
      ? Math.round((cpu.user + cpu.system) / figures.operations)
      : 0,
    meanCommandsPerAppend: appends
      ? Math.round(((options.stats.commands - before.commands) / appends) * 10) / 10
      : 0,
    meanAppendMs: appends
      ? Math.round(((options.stats.appendMs - before.appendMs) / appends) * 100) / 100
      : 0,
  };
};
