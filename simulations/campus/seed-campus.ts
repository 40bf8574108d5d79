import {
  type CommandContext,
  type CommandHandler,
  isLedgerRejection,
  type LedgerCommandInput,
  ledgerCommandSchema,
} from '../../ledger-core/index.ts';
import type { CampusPlan } from './campus-plan.ts';

// Writes a campus plan through the command handler. Safe to run again: existing merchants, devices and
// accounts are refused as existing and skipped; opening top-ups carry fixed txIds and are replayed.

const seedContext: CommandContext = {
  correlationId: 'campus-seed',
  causationId: 'campus-seed',
  actor: { type: 'system', id: 'campus-seed' },
};
const alreadyThere = new Set(['merchant_exists', 'device_exists', 'account_exists']);
const seedConcurrency = 64;

export type SeedReport = { created: number; alreadyPresent: number };

export const seedCampus = async (
  handler: CommandHandler,
  plan: CampusPlan,
  occurredAt: string,
): Promise<SeedReport> => {
  const report: SeedReport = { created: 0, alreadyPresent: 0 };
  const run = async (command: LedgerCommandInput) => {
    try {
      const outcome = await handler.handle(ledgerCommandSchema.parse(command), seedContext);
      if (outcome.replayed || outcome.events.length === 0) report.alreadyPresent += 1;
      else report.created += 1;
    } catch (error) {
      if (isLedgerRejection(error) && alreadyThere.has(error.code)) report.alreadyPresent += 1;
      else throw error;
    }
  };
  const inParallel = async <Item>(items: Item[], work: (item: Item) => Promise<void>) => {
    for (let start = 0; start < items.length; start += seedConcurrency) {
      await Promise.all(items.slice(start, start + seedConcurrency).map(work));
    }
  };

  await inParallel(plan.merchants, (merchant) => run({ type: 'RegisterMerchant', occurredAt, ...merchant }));
  await inParallel(plan.devices, (device) => run({ type: 'RegisterDevice', occurredAt, ...device }));
  await inParallel(plan.students, async (student) => {
    await run({
      type: 'OpenAccount',
      occurredAt,
      accountId: student.accountId,
      holderName: student.holderName,
      holderType: 'student',
      cardNo: student.cardNo,
    });
    await run({
      type: 'TopUp',
      occurredAt,
      accountId: student.accountId,
      txId: `seed-topup-${student.accountId}`,
      amount: student.openingTopUp,
      channel: 'subsidy',
    });
  });
  return report;
};
