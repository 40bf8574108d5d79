import {
  formatMoney,
  isLedgerRejection,
  type Money,
  money,
  type Position,
  type TopUpChannel,
  zeroMoney,
} from '../../ledger-core/index.ts';
import type { AuditLedger, UntimedCommand } from '../testing.ts';

// Test-only: a seeded random workload of every command type through the command handler, with a
// reference model of the balances kept by hand from the accepted commands, snapshotted after each one.

export type BalanceSnapshot = { at: string; position: Position; balances: Map<string, string> };

/** mulberry32: small, seeded, good enough to pick commands. */
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

const channels: TopUpChannel[] = ['cash', 'wechat', 'alipay', 'bank', 'subsidy'];

export const runRandomWorkload = async (
  ledger: AuditLedger,
  options: { seed: number; accounts: number; commands: number; startAt: string; stepMs: number },
): Promise<{ snapshots: BalanceSnapshot[]; accepted: number; refused: number; accountIds: string[] }> => {
  const random = seededRandom(options.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const amount = (max: number) =>
    formatMoney(money(String(1 + Math.floor(random() * max * 100))).dividedBy(100));
  let clock = Date.parse(options.startAt);
  const balances = new Map<string, Money>();
  const charges: Array<Extract<UntimedCommand, { type: 'Charge' }> & { amount: string }> = [];
  const snapshots: BalanceSnapshot[] = [];
  let accepted = 0;
  let refused = 0;
  let txCounter = 0;
  const nextTx = (kind: string) => {
    txCounter += 1;
    return `${kind}-${options.seed}-${txCounter}`;
  };

  const run = async (command: UntimedCommand, effect?: (accountId: string) => Money) => {
    clock += options.stepMs;
    ledger.setClock(new Date(clock).toISOString());
    try {
      const outcome = await ledger.run(command);
      accepted += 1;
      if (effect && 'accountId' in command) {
        balances.set(
          command.accountId,
          (balances.get(command.accountId) ?? zeroMoney).plus(effect(command.accountId)),
        );
      }
      snapshots.push({
        at: new Date(clock).toISOString(),
        position: outcome.position,
        balances: new Map([...balances].map(([id, balance]) => [id, formatMoney(balance)])),
      });
      return true;
    } catch (error) {
      if (!isLedgerRejection(error)) throw error;
      refused += 1;
      return false;
    }
  };

  const merchants = ['canteen-1', 'canteen-2', 'shop-1'];
  for (const merchantId of merchants) {
    await run({
      type: 'RegisterMerchant',
      merchantId,
      name: merchantId,
      category: merchantId.startsWith('shop') ? 'shop' : 'canteen',
    });
  }
  await run({ type: 'RegisterDevice', deviceId: 'pos-1', merchantId: 'canteen-1', kind: 'pos', keyId: 'k1' });
  await run({ type: 'RegisterDevice', deviceId: 'pos-2', merchantId: 'canteen-2', kind: 'pos', keyId: 'k1' });
  await run({
    type: 'RegisterDevice',
    deviceId: 'kiosk-1',
    merchantId: 'shop-1',
    kind: 'kiosk',
    keyId: 'k1',
  });
  await run({ type: 'DecommissionDevice', deviceId: 'kiosk-1' });
  const accountIds = Array.from({ length: options.accounts }, (_, index) => `acct-${options.seed}-${index}`);
  for (const [index, accountId] of accountIds.entries()) {
    await run(
      {
        type: 'OpenAccount',
        accountId,
        holderName: `Holder ${index}`,
        holderType: pick(['student', 'staff', 'visitor'] as const),
        cardNo: `62220${String(index).padStart(8, '0')}`,
      },
      () => zeroMoney,
    );
  }

  for (let step = 0; step < options.commands; step += 1) {
    const accountId = pick(accountIds);
    const roll = random();
    if (roll < 0.3) {
      const value = amount(200);
      const channel = pick(channels);
      await run(
        {
          type: 'TopUp',
          accountId,
          txId: nextTx('top'),
          amount: value,
          channel,
          ...(channel === 'cash' ? {} : { externalRef: nextTx('ref') }),
        },
        () => money(value),
      );
    } else if (roll < 0.6) {
      const value = amount(random() < 0.2 ? 40 : 80);
      const offline = random() < 0.15;
      const merchantId = pick(merchants);
      const deviceId =
        merchantId === 'canteen-1' ? 'pos-1' : merchantId === 'canteen-2' ? 'pos-2' : undefined;
      const charge = {
        type: 'Charge' as const,
        accountId,
        txId: nextTx('chg'),
        amount: value,
        merchantId,
        offline,
        ...(deviceId ? { deviceId } : {}),
      };
      if (await run(charge, () => money(value).negated())) charges.push(charge);
    } else if (roll < 0.7 && charges.length > 0) {
      const charge = pick(charges);
      const value = formatMoney(
        money(charge.amount)
          .dividedBy(random() < 0.5 ? 1 : 2)
          .toDecimalPlaces(2),
      );
      await run(
        {
          type: 'Refund',
          accountId: charge.accountId,
          txId: nextTx('rfd'),
          chargeTxId: charge.txId,
          amount: value,
        },
        () => money(value),
      );
    } else if (roll < 0.8) {
      const value = amount(60);
      await run(
        {
          type: 'PayBill',
          accountId,
          txId: nextTx('bill'),
          amount: value,
          payee: pick(['water', 'electricity', 'dorm', 'network', 'parking'] as const),
          billRef: nextTx('bref'),
        },
        () => money(value).negated(),
      );
    } else if (roll < 0.84) {
      await run({ type: pick(['FreezeAccount', 'UnfreezeAccount', 'ReportCardLost'] as const), accountId });
    } else if (roll < 0.87) {
      await run({ type: 'ReplaceCard', accountId, newCardNo: `62229${String(step).padStart(8, '0')}` });
    } else if (roll < 0.9) {
      await run({
        type: 'ChangeLimits',
        accountId,
        perTransaction: amount(300),
        daily: amount(900),
        offlineLimit: amount(60),
      });
    } else if (roll < 0.91) {
      await run(
        {
          type: 'CloseAccount',
          accountId,
          txId: nextTx('close'),
          payoutChannel: pick(['cash', 'bank'] as const),
        },
        (id) => (balances.get(id) ?? zeroMoney).negated(),
      );
    } else if (roll < 0.92) {
      const day = new Date(clock - 86_400_000).toISOString().slice(0, 10);
      await run({
        type: 'SettleMerchant',
        merchantId: pick(merchants),
        settlementId: nextTx('settle'),
        businessDate: day,
        amount: amount(100),
      });
    } else {
      // A duplicate of an earlier charge: the ledger answers with the original outcome and writes nothing.
      if (charges.length > 0) await run(pick(charges));
    }
  }
  // A fixed ending, so the rarer lifecycle events occur whatever the dice said.
  const [first, second] = accountIds as [string, string];
  await run({ type: 'FreezeAccount', accountId: first, reason: 'audit' });
  await run({ type: 'UnfreezeAccount', accountId: first });
  await run({ type: 'UnfreezeAccount', accountId: second });
  await run(
    { type: 'TopUp', accountId: second, txId: nextTx('top'), amount: '500.00', channel: 'cash' },
    () => money('500.00'),
  );
  await run({ type: 'CloseAccount', accountId: second, txId: nextTx('close'), payoutChannel: 'bank' }, (id) =>
    (balances.get(id) ?? zeroMoney).negated(),
  );
  return { snapshots, accepted, refused, accountIds };
};
