import {
  type CommandContext,
  type CommandHandler,
  formatMoney,
  isLedgerRejection,
  type LedgerCommandInput,
  ledgerCommandSchema,
  type Money,
  money,
  zeroMoney,
} from '../../ledger-core/index.ts';

// A seeded, randomised workload of real commands through the command handler, and the reference it
// implies: what the read models must show once they have applied everything.

export type Reference = {
  balances: Map<string, Money>;
  /** Accepted money moves per account (each is one line of account_transactions). */
  transactions: Map<string, number>;
  topUps: Money;
  charges: Money;
  refunds: Money;
  bills: Money;
  payouts: Money;
  accepted: number;
  rejected: number;
};

/** mulberry32: small, fast, and the same sequence for the same seed. */
const seededRandom = (seed: number) => {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
};

const context: CommandContext = {
  correlationId: 'projection-test',
  causationId: 'projection-test',
  actor: { type: 'system', id: 'projection-test' },
};

/** A command as the workload writes it: `occurredAt` is now unless given. */
type CommandInput = LedgerCommandInput extends infer Command
  ? Command extends unknown
    ? Omit<Command, 'occurredAt'> & { occurredAt?: string }
    : never
  : never;

export type WorkloadOptions = { seed: number; accounts: number; commands: number; concurrency?: number };

export const createWorkload = (handler: CommandHandler, options: WorkloadOptions) => {
  const random = seededRandom(options.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const amount = (max: number) =>
    formatMoney(money(String(Math.floor(random() * max * 100) + 1)).dividedBy(100));
  const accountIds = Array.from({ length: options.accounts }, (_, index) => `acct-${options.seed}-${index}`);
  const merchants = ['canteen-1', 'shop-2', 'cafe-3'];
  const charges: Array<{ accountId: string; txId: string }> = [];
  const reference: Reference = {
    balances: new Map(),
    transactions: new Map(),
    topUps: zeroMoney,
    charges: zeroMoney,
    refunds: zeroMoney,
    bills: zeroMoney,
    payouts: zeroMoney,
    accepted: 0,
    rejected: 0,
  };
  let txCounter = 0;
  const nextTxId = (kind: string) => {
    txCounter += 1;
    return `${kind}-${options.seed}-${txCounter}`;
  };

  const send = async (input: CommandInput) => {
    const command = ledgerCommandSchema.parse({ occurredAt: new Date().toISOString(), ...input });
    try {
      const outcome = await handler.handle(command, context);
      reference.accepted += 1;
      return outcome;
    } catch (error) {
      if (!isLedgerRejection(error)) throw error;
      reference.rejected += 1;
      return undefined;
    }
  };

  const move = (accountId: string, delta: Money) => {
    reference.balances.set(accountId, (reference.balances.get(accountId) ?? zeroMoney).plus(delta));
    reference.transactions.set(accountId, (reference.transactions.get(accountId) ?? 0) + 1);
  };

  const randomCommand = async () => {
    const accountId = pick(accountIds);
    const roll = random();
    if (roll < 0.3) {
      const value = amount(200);
      if (
        await send({
          type: 'TopUp',
          accountId,
          txId: nextTxId('t'),
          amount: value,
          channel: pick(['cash', 'wechat', 'alipay', 'bank']),
        })
      ) {
        move(accountId, money(value));
        reference.topUps = reference.topUps.plus(value);
      }
    } else if (roll < 0.65) {
      const value = amount(60);
      const txId = nextTxId('c');
      const offline = random() < 0.2;
      const occurredAt = offline ? new Date(Date.now() - 3_600_000).toISOString() : undefined;
      const merchantId = pick(merchants);
      const deviceId = merchantId === 'canteen-1' && random() < 0.5 ? { deviceId: 'pos-1' } : {};
      if (
        await send({
          type: 'Charge',
          accountId,
          txId,
          amount: value,
          merchantId,
          offline,
          ...deviceId,
          ...(occurredAt ? { occurredAt } : {}),
        })
      ) {
        move(accountId, money(value).negated());
        reference.charges = reference.charges.plus(value);
        charges.push({ accountId, txId });
      }
    } else if (roll < 0.75 && charges.length > 0) {
      const charge = pick(charges);
      const value = amount(5);
      if (
        await send({
          type: 'Refund',
          accountId: charge.accountId,
          txId: nextTxId('r'),
          chargeTxId: charge.txId,
          amount: value,
        })
      ) {
        move(charge.accountId, money(value));
        reference.refunds = reference.refunds.plus(value);
      }
    } else if (roll < 0.85) {
      const value = amount(40);
      if (
        await send({
          type: 'PayBill',
          accountId,
          txId: nextTxId('b'),
          amount: value,
          payee: pick(['water', 'electricity', 'dorm']),
          billRef: `bill-${txCounter}`,
        })
      ) {
        move(accountId, money(value).negated());
        reference.bills = reference.bills.plus(value);
      }
    } else if (roll < 0.9) {
      await send({ type: random() < 0.5 ? 'FreezeAccount' : 'UnfreezeAccount', accountId });
    } else if (roll < 0.93) {
      await send({ type: 'ReportCardLost', accountId });
    } else if (roll < 0.97) {
      await send({
        type: 'ReplaceCard',
        accountId,
        newCardNo: String(6_222_000_000_000_000 + Math.floor(random() * 1e9)),
      });
    } else if (roll < 0.985) {
      const outcome = await send({
        type: 'CloseAccount',
        accountId,
        txId: nextTxId('x'),
        payoutChannel: pick(['cash', 'bank']),
      });
      if (outcome) {
        // Close pays out everything the account held: the reference balance so far.
        const payout = reference.balances.get(accountId) ?? zeroMoney;
        reference.payouts = reference.payouts.plus(payout);
        move(accountId, payout.negated());
      }
    } else {
      await send({
        type: 'ChangeLimits',
        accountId,
        perTransaction: '80.00',
        daily: '300.00',
        offlineLimit: '40.00',
      });
    }
  };

  return {
    reference,
    accountIds,
    /** Merchants, a device and the accounts. */
    setUp: async () => {
      for (const merchantId of merchants) {
        await send({
          type: 'RegisterMerchant',
          merchantId,
          name: `Merchant ${merchantId}`,
          category: 'canteen',
        });
      }
      await send({
        type: 'RegisterDevice',
        deviceId: 'pos-1',
        merchantId: 'canteen-1',
        kind: 'pos',
        keyId: 'key-1',
      });
      await Promise.all(
        accountIds.map((accountId, index) =>
          send({
            type: 'OpenAccount',
            accountId,
            holderName: `Student ${index}`,
            holderType: 'student',
            cardNo: String(6_222_000_000_000_000 + index),
          }),
        ),
      );
      for (const accountId of accountIds) reference.balances.set(accountId, zeroMoney);
    },
    /** `count` random commands, `concurrency` at a time (the handler group-commits them). */
    run: async (count: number = options.commands) => {
      const concurrency = options.concurrency ?? 16;
      for (let sent = 0; sent < count; sent += concurrency) {
        await Promise.all(Array.from({ length: Math.min(concurrency, count - sent) }, () => randomCommand()));
      }
    },
  };
};
