import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  runWorkload,
  spendingWorkloadArbitrary,
  type TraceStep,
  workloadArbitrary,
  workloadTimeZone,
} from '../../testing/account-workload.ts';
import { businessDayOf } from '../business-day.ts';
import type { AccountCommand } from '../commands.ts';
import type { AccountEvent } from '../events.ts';
import { formatMoney, type Money, money, zeroMoney } from '../money.ts';
import { findMove } from './recorded-moves.ts';

// Properties of the pure account decider over random command sequences (testing/account-workload.ts),
// named by the invariants of DESIGN.md.

const accepted = (step: TraceStep) => ('events' in step.outcome ? step.outcome.events : []);
const acceptedEvents = (trace: TraceStep[], account?: string): AccountEvent[] =>
  trace.filter((step) => account === undefined || step.account === account).flatMap(accepted);

/** Σ top-ups − Σ charges + Σ refunds − Σ bill payments − Σ payouts, from events alone. */
const conservedBalance = (events: AccountEvent[]): Money =>
  events.reduce((total, event) => {
    switch (event.type) {
      case 'ToppedUp':
      case 'Refunded':
        return total.plus(event.data.amount);
      case 'Charged':
      case 'BillPaid':
        return total.minus(event.data.amount);
      case 'AccountClosed':
        return total.minus(event.data.payoutAmount);
      default:
        return total;
    }
  }, zeroMoney);

/** For each step, whether its command repeats a txId accepted earlier on its account. */
const repeatsAcceptedTxId = (trace: TraceStep[]): boolean[] => {
  const acceptedTxIds = new Set<string>();
  return trace.map((step) => {
    const key = 'txId' in step.command ? `${step.account}|${step.command.txId}` : undefined;
    const repeats = key !== undefined && acceptedTxIds.has(key);
    if (key && accepted(step).some((event) => 'txId' in event.data)) acceptedTxIds.add(key);
    return repeats;
  });
};

const isOnlineSpend = (command: AccountCommand) =>
  (command.type === 'Charge' && !command.offline) || command.type === 'PayBill';

const mutated = (command: AccountCommand): AccountCommand => {
  switch (command.type) {
    case 'TopUp':
    case 'Charge':
    case 'Refund':
    case 'PayBill':
      return { ...command, amount: formatMoney(money(command.amount).plus('0.01')) };
    case 'CloseAccount':
      return { ...command, payoutChannel: command.payoutChannel === 'cash' ? 'bank' : 'cash' };
    default:
      return command;
  }
};

const property = (check: (result: ReturnType<typeof runWorkload>) => void, workload = workloadArbitrary) =>
  fc.assert(
    fc.property(workload, (ops) => check(runWorkload(ops))),
    { numRuns: 100 },
  );

describe('account decider invariants (properties)', () => {
  it('I1 conservation: every balance equals top-ups − charges + refunds − bills − payouts of its accepted events', () => {
    property(({ trace, finalStates }) => {
      for (const [account, state] of finalStates) {
        expect(formatMoney(state.balance)).toBe(
          formatMoney(conservedBalance(acceptedEvents(trace, account))),
        );
      }
      const total = [...finalStates.values()].reduce((sum, state) => sum.plus(state.balance), zeroMoney);
      expect(formatMoney(total)).toBe(formatMoney(conservedBalance(acceptedEvents(trace))));
      for (const step of trace) {
        const moved = conservedBalance(accepted(step));
        expect(formatMoney(step.after.balance.minus(step.before.balance))).toBe(formatMoney(moved));
      }
    });
  });

  it('I2 no overdraft: online charges, bills and closes never end below zero; offline charges stay within the offline limit', () => {
    property(({ trace }) => {
      for (const step of trace) {
        for (const event of accepted(step)) {
          const online =
            (event.type === 'Charged' && !event.data.offline) ||
            event.type === 'BillPaid' ||
            event.type === 'AccountClosed';
          if (online) expect(step.after.balance.isNegative(), JSON.stringify(event)).toBe(false);
          if (event.type === 'Charged' && event.data.offline) {
            expect(step.before.offlineLimit.greaterThanOrEqualTo(event.data.amount)).toBe(true);
          }
        }
      }
    });
  });

  it('I3 limits: online charges respect the per-transaction limit and, per business day in the time zone, the daily limit', () => {
    const check = ({ trace }: ReturnType<typeof runWorkload>) => {
      const onlineSpentByDay = new Map<string, Money>();
      for (const step of trace) {
        for (const event of accepted(step)) {
          if (event.type !== 'Charged' || event.data.offline) continue;
          expect(step.before.limits.perTransaction.greaterThanOrEqualTo(event.data.amount)).toBe(true);
          const key = `${step.account}|${businessDayOf(event.occurredAt, workloadTimeZone)}`;
          const spent = (onlineSpentByDay.get(key) ?? zeroMoney).plus(event.data.amount);
          onlineSpentByDay.set(key, spent);
          expect(
            spent.lessThanOrEqualTo(step.before.limits.daily),
            `${key} spent ${formatMoney(spent)}`,
          ).toBe(true);
        }
      }
    };
    property(check);
    property(check, spendingWorkloadArbitrary);
  });

  it('I4 refunds: a refund names a charge of its own account, however old, and refunds of a charge never exceed it', () => {
    property(({ trace }) => {
      const charges = new Map<string, { account: string; amount: Money; refunded: Money }>();
      for (const step of trace) {
        // However old the charge, the ledger finds it.
        const { command, outcome } = step;
        if (command.type === 'Refund' && 'rejected' in outcome && outcome.rejected === 'charge_not_found') {
          expect(charges.get(command.chargeTxId)?.account).not.toBe(step.account);
        }
        for (const event of accepted(step)) {
          if (event.type === 'Charged') {
            charges.set(event.data.txId, {
              account: step.account,
              amount: money(event.data.amount),
              refunded: zeroMoney,
            });
          }
          if (event.type === 'Refunded') {
            const charge = charges.get(event.data.chargeTxId);
            expect(charge?.account).toBe(step.account);
            if (!charge) continue;
            charge.refunded = charge.refunded.plus(event.data.amount);
            expect(charge.refunded.lessThanOrEqualTo(charge.amount)).toBe(true);
          }
        }
      }
    });
  });

  it('I5 idempotency: a replayed accepted money command writes nothing and keeps its outcome; other content under its txId is refused', () => {
    property(({ trace, decideAgain }) => {
      for (const step of trace) {
        const moneyMove = accepted(step).find((event) => 'txId' in event.data);
        if (!moneyMove || !('txId' in step.command)) continue;
        // Long after the move, most of these are older than the moves the final state keeps.
        const { events, decidedOn } = decideAgain(step.account, step.command);
        expect(events).toEqual([]);
        const recorded = findMove(decidedOn, step.command.txId);
        expect(recorded && formatMoney(recorded.balanceAfter)).toBe(formatMoney(step.after.balance));
        expect(recorded?.revision).toBe(step.after.revision);
        expect(() => decideAgain(step.account, mutated(step.command))).toThrow(
          expect.objectContaining({ code: 'idempotency_conflict' }),
        );
      }
      const repeats = repeatsAcceptedTxId(trace);
      trace.forEach((step, index) => {
        if (!repeats[index]) return;
        if ('events' in step.outcome) expect(step.outcome.events).toEqual([]);
        else expect(step.outcome.rejected).toBe('idempotency_conflict');
      });
    });
  });

  it('I6 status: frozen, closed or lost-card accounts refuse online spending; top-ups work unless closed', () => {
    property(({ trace }) => {
      const repeats = repeatsAcceptedTxId(trace);
      for (const [index, step] of trace.entries()) {
        const { before, command } = step;
        if (!('txId' in command) || repeats[index] || before.status === 'absent') continue;
        const code = 'rejected' in step.outcome ? step.outcome.rejected : undefined;
        if (before.status === 'closed') {
          expect(code).toBe('account_closed');
        } else if (command.type === 'TopUp') {
          expect(code).toBeUndefined();
        } else if (isOnlineSpend(command) && before.frozen) {
          expect(code).toBe('account_frozen');
        } else if (
          isOnlineSpend(command) &&
          (before.cardLost ||
            ('cardNo' in command && command.cardNo !== undefined && command.cardNo !== before.cardNo))
        ) {
          expect(code).toBe('card_lost');
        }
      }
    });
  });
});
