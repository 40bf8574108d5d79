import { describe, expect, it } from 'vitest';
import { deciderSpec } from '../../testing/decider-spec.ts';
import {
  accountClosed,
  accountFrozen,
  accountOpened,
  accountUnfrozen,
  billPaid,
  cardNo,
  cardReplaced,
  cardReportedLost,
  changeLimits,
  charge,
  charged,
  closeAccount,
  deviceId,
  freeze,
  limitsChanged,
  merchantId,
  newCardNo,
  noon,
  openAccount,
  payBill,
  refund,
  refunded,
  replaceCard,
  reportLost,
  testTimeZone,
  toppedUp,
  topUp,
  unfreeze,
} from '../../testing/ledger-fixtures.ts';
import { foldEvents } from '../decider.ts';
import { formatMoney } from '../money.ts';
import { createAccountDecider } from './decider.ts';
import { recallMove } from './recall-move.ts';
import { findMove, mayBeOlderMove } from './recorded-moves.ts';

const spec = deciderSpec(createAccountDecider(testTimeZone));
const funded = (amount = '100.00') => [accountOpened(), toppedUp('t-fund', amount)];

describe('account decider: opening and lifecycle', () => {
  it('opens an account with the default limits', () => {
    const state = spec.given([]).when(openAccount()).then([accountOpened()]);
    expect(state.status).toBe('open');
    expect(formatMoney(state.balance)).toBe('0.00');
  });

  it('opens with explicit limits and offline limit', () => {
    spec
      .given([])
      .when(openAccount({ limits: { perTransaction: '20', daily: '60.5' }, offlineLimit: '0' }))
      .then([accountOpened({ limits: { perTransaction: '20.00', daily: '60.50' }, offlineLimit: '0.00' })]);
  });

  it('refuses to open an account twice: account_exists', () => {
    spec.given([accountOpened()]).when(openAccount()).thenThrows('account_exists');
  });

  it('freezes, and freezing a frozen account changes nothing', () => {
    spec
      .given([accountOpened()])
      .when(freeze('lost wallet'))
      .then([accountFrozen('lost wallet')]);
    spec.given([accountOpened(), accountFrozen()]).when(freeze()).thenNothing();
  });

  it('unfreezes, and unfreezing an active account changes nothing', () => {
    spec.given([accountOpened(), accountFrozen()]).when(unfreeze()).then([accountUnfrozen()]);
    spec.given([accountOpened()]).when(unfreeze()).thenNothing();
  });

  it('reports the current card lost once', () => {
    spec.given([accountOpened()]).when(reportLost()).then([cardReportedLost()]);
    spec.given([accountOpened(), cardReportedLost()]).when(reportLost()).thenNothing();
  });

  it('replaces a card; the same card again is a no-op, a lost card cannot replace itself', () => {
    const state = spec
      .given([accountOpened(), cardReportedLost()])
      .when(replaceCard())
      .then([cardReplaced()]);
    expect(state).toMatchObject({ cardNo: newCardNo, cardLost: false });
    spec.given([accountOpened()]).when(replaceCard(cardNo)).thenNothing();
    spec
      .given([accountOpened(), cardReportedLost()])
      .when(replaceCard(cardNo))
      .thenThrows('validation_failed', /own replacement/);
  });

  it('changes limits', () => {
    spec
      .given([accountOpened()])
      .when(changeLimits('100', '200', '10'))
      .then([limitsChanged('100.00', '200.00', '10.00')]);
  });

  it.each([
    ['FreezeAccount', freeze()],
    ['UnfreezeAccount', unfreeze()],
    ['ReportCardLost', reportLost()],
    ['ReplaceCard', replaceCard()],
    ['ChangeLimits', changeLimits('1', '1', '1')],
    ['TopUp', topUp('t1', '1')],
    ['Charge', charge('c1', '1')],
    ['Refund', refund('r1', 'c1', '1')],
    ['PayBill', payBill('b1', '1')],
    ['CloseAccount', closeAccount('x1')],
  ] as const)('refuses %s on a missing account: account_not_found', (_, command) => {
    spec.given([]).when(command).thenThrows('account_not_found');
  });

  it.each([
    ['FreezeAccount', freeze()],
    ['UnfreezeAccount', unfreeze()],
    ['ReportCardLost', reportLost()],
    ['ReplaceCard', replaceCard()],
    ['ChangeLimits', changeLimits('1', '1', '1')],
    ['TopUp', topUp('t1', '1')],
    ['Charge', charge('c1', '1')],
    ['offline Charge', charge('c1', '1', { offline: true })],
    ['Refund', refund('r1', 'c-old', '1')],
    ['PayBill', payBill('b1', '1')],
    ['CloseAccount', closeAccount('x2')],
  ] as const)('refuses %s on a closed account: account_closed', (_, command) => {
    spec
      .given([accountOpened(), charged('c-old', '5.00'), accountClosed('x1', '0.00')])
      .when(command)
      .thenThrows('account_closed');
  });
});

describe('account decider: top-ups', () => {
  it('tops up, with and without an external reference', () => {
    const state = spec
      .given([accountOpened()])
      .when(topUp('t1', '12.5'))
      .then([toppedUp('t1', '12.50')]);
    expect(formatMoney(state.balance)).toBe('12.50');
    spec
      .given([accountOpened()])
      .when(topUp('t2', '1', { channel: 'bank', externalRef: 'BK-1' }))
      .then([
        {
          type: 'ToppedUp',
          data: { txId: 't2', amount: '1.00', channel: 'bank', externalRef: 'BK-1' },
          occurredAt: noon,
        },
      ]);
  });

  it('tops up frozen accounts and accounts with a lost card (I6)', () => {
    spec
      .given([accountOpened(), accountFrozen()])
      .when(topUp('t1', '5'))
      .then([toppedUp('t1', '5.00')]);
    spec
      .given([accountOpened(), cardReportedLost()])
      .when(topUp('t1', '5'))
      .then([toppedUp('t1', '5.00')]);
  });

  it('pays debt first: a top-up after an offline overdraft leaves the difference', () => {
    const state = spec
      .given([accountOpened(), charged('c1', '30.00', { offline: true })])
      .when(topUp('t1', '50'))
      .then([toppedUp('t1', '50.00')]);
    expect(formatMoney(state.balance)).toBe('20.00');
  });
});

describe('account decider: charges', () => {
  it('charges online, with the device when given', () => {
    const state = spec
      .given(funded())
      .when(charge('c1', '12.30', { deviceId, cardNo }))
      .then([charged('c1', '12.30', { deviceId })]);
    expect(formatMoney(state.balance)).toBe('87.70');
  });

  it('charges the whole balance but not a fen more: insufficient_funds', () => {
    spec
      .given(funded('10.00'))
      .when(charge('c1', '10'))
      .then([charged('c1', '10.00')]);
    spec
      .given(funded('10.00'))
      .when(charge('c1', '10.01'))
      .thenThrows('insufficient_funds', /10\.00/);
  });

  it('refuses an online charge above the per-transaction limit: limit_exceeded_per_transaction', () => {
    spec
      .given(funded('900.00'))
      .when(charge('c1', '500'))
      .then([charged('c1', '500.00')]);
    spec.given(funded('900.00')).when(charge('c1', '500.01')).thenThrows('limit_exceeded_per_transaction');
  });

  it('counts the daily limit by calendar day in Asia/Shanghai: 23:59 is today, 00:01 is tomorrow', () => {
    // 23:50, 23:59 and 00:01 Shanghai time (UTC+8) on 10 and 11 March.
    const at2350 = '2025-03-10T15:50:00.000Z';
    const at2359 = '2025-03-10T15:59:00.000Z';
    const at0001 = '2025-03-10T16:01:00.000Z';
    const history = [
      ...funded('2000.00'),
      charged('c1', '480.00', { at: at2350 }),
      charged('c2', '480.00', { at: at2350 }),
    ];
    spec
      .given(history)
      .when(charge('c3', '40.01', { occurredAt: at2359 }))
      .thenThrows('limit_exceeded_daily');
    spec
      .given(history)
      .when(charge('c3', '40', { occurredAt: at2359 }))
      .then([charged('c3', '40.00', { at: at2359 })]);
    const state = spec
      .given(history)
      .when(charge('c3', '30', { occurredAt: at0001 }))
      .then([charged('c3', '30.00', { at: at0001 })]);
    expect(state.daily.day).toBe('2025-03-11');
    expect(formatMoney(state.daily.spent)).toBe('30.00');
  });

  it('does not let a late offline upload for yesterday count against today', () => {
    const yesterday = '2025-03-09T04:00:00.000Z';
    spec
      .given([
        ...funded('2000.00'),
        charged('c1', '500.00'),
        charged('off', '40.00', { offline: true, at: yesterday }),
      ])
      .when(charge('c2', '500'))
      .then([charged('c2', '500.00')]);
  });

  it('accepts an offline charge up to the offline limit even into debt, not above: offline_limit_exceeded', () => {
    const state = spec
      .given([accountOpened()])
      .when(charge('c1', '50', { offline: true }))
      .then([charged('c1', '50.00', { offline: true })]);
    expect(formatMoney(state.balance)).toBe('-50.00');
    spec
      .given([accountOpened()])
      .when(charge('c1', '50.01', { offline: true }))
      .thenThrows('offline_limit_exceeded');
  });

  it('accepts offline charges on frozen accounts and lost cards (the goods were handed over)', () => {
    spec
      .given([accountOpened(), accountFrozen(), cardReportedLost()])
      .when(charge('c1', '5', { offline: true }))
      .then([charged('c1', '5.00', { offline: true })]);
  });

  it('refuses online charges on a frozen account: account_frozen', () => {
    spec
      .given([...funded(), accountFrozen()])
      .when(charge('c1', '1'))
      .thenThrows('account_frozen');
    spec
      .given([...funded(), accountFrozen(), accountUnfrozen()])
      .when(charge('c1', '1'))
      .then([charged('c1', '1.00')]);
  });

  it('refuses a lost card, and the old card after a replacement: card_lost', () => {
    spec
      .given([...funded(), cardReportedLost()])
      .when(charge('c1', '1'))
      .thenThrows('card_lost');
    spec
      .given([...funded(), cardReportedLost(), cardReplaced()])
      .when(charge('c1', '1', { cardNo }))
      .thenThrows('card_lost');
    spec
      .given([...funded(), cardReportedLost(), cardReplaced()])
      .when(charge('c1', '1', { cardNo: newCardNo }))
      .then([charged('c1', '1.00')]);
  });
});

describe('account decider: refunds, bills, closing', () => {
  const withCharge = () => [...funded(), charged('c1', '30.00')];

  it('refunds part of a charge, then the rest, and no more: refund_exceeds_charge', () => {
    spec
      .given(withCharge())
      .when(refund('r1', 'c1', '10', { reason: 'cold soup' }))
      .then([
        {
          type: 'Refunded',
          data: { txId: 'r1', chargeTxId: 'c1', amount: '10.00', reason: 'cold soup' },
          occurredAt: noon,
        },
      ]);
    const partly = [...withCharge(), refunded('r1', 'c1', '10.00')];
    spec
      .given(partly)
      .when(refund('r2', 'c1', '20'))
      .then([refunded('r2', 'c1', '20.00')]);
    spec
      .given(partly)
      .when(refund('r2', 'c1', '20.01'))
      .thenThrows('refund_exceeds_charge', /20\.00/);
  });

  it('refunds on a frozen account', () => {
    spec
      .given([...withCharge(), accountFrozen()])
      .when(refund('r1', 'c1', '30'))
      .then([refunded('r1', 'c1', '30.00')]);
  });

  it('refuses a refund of an unknown charge, or of a top-up: charge_not_found', () => {
    spec
      .given(withCharge())
      .when(refund('r1', 'c-none', '1'))
      .thenThrows('charge_not_found');
    spec
      .given(withCharge())
      .when(refund('r1', 't-fund', '1'))
      .thenThrows('charge_not_found');
  });

  it('pays a bill from the balance, not beyond it: insufficient_funds', () => {
    const state = spec
      .given(funded())
      .when(payBill('b1', '60'))
      .then([billPaid('b1', '60.00')]);
    expect(formatMoney(state.balance)).toBe('40.00');
    spec.given(funded()).when(payBill('b1', '100.01')).thenThrows('insufficient_funds');
  });

  it('ignores limits for bills', () => {
    spec
      .given(funded('900.00'))
      .when(payBill('b1', '800'))
      .then([billPaid('b1', '800.00')]);
  });

  it('refuses bills on frozen accounts and lost cards (I6)', () => {
    spec
      .given([...funded(), accountFrozen()])
      .when(payBill('b1', '1'))
      .thenThrows('account_frozen');
    spec
      .given([...funded(), cardReportedLost()])
      .when(payBill('b1', '1'))
      .thenThrows('card_lost');
    spec
      .given([...funded(), cardReplaced()])
      .when(payBill('b1', '1', { cardNo }))
      .thenThrows('card_lost');
  });

  it('closes paying out the whole balance, or zero', () => {
    const state = spec
      .given(funded('42.10'))
      .when(closeAccount('x1'))
      .then([accountClosed('x1', '42.10')]);
    expect(state.status).toBe('closed');
    expect(formatMoney(state.balance)).toBe('0.00');
    spec
      .given([accountOpened()])
      .when(closeAccount('x1'))
      .then([accountClosed('x1', '0.00')]);
  });

  it('refuses to close an account that owes debt: insufficient_funds', () => {
    spec
      .given([accountOpened(), charged('c1', '5.00', { offline: true })])
      .when(closeAccount('x1'))
      .thenThrows('insufficient_funds', /owes 5\.00/);
  });
});

describe('account decider: idempotency (I5)', () => {
  const history = [
    ...funded(),
    charged('c1', '30.00', { deviceId }),
    refunded('r1', 'c1', '5.00'),
    billPaid('b1', '10.00'),
  ];

  it.each([
    ['TopUp', topUp('t-fund', '100')],
    ['Charge', charge('c1', '30', { deviceId })],
    ['Refund', refund('r1', 'c1', '5', { reason: 'a reason does not change the move' })],
    ['PayBill', payBill('b1', '10')],
  ] as const)('returns nothing for a replayed %s and remembers its outcome', (_, command) => {
    const state = spec.given(history).when(command).thenNothing();
    expect(findMove(state, command.txId)).toBeDefined();
  });

  it('remembers the balance right after each move', () => {
    const state = spec.given(history).when(topUp('t-fund', '100')).thenNothing();
    const balanceAfter = (txId: string) => {
      const move = findMove(state, txId);
      if (!move) throw new Error(`no move ${txId}`);
      return formatMoney(move.balanceAfter);
    };
    expect([balanceAfter('t-fund'), balanceAfter('c1'), balanceAfter('r1'), balanceAfter('b1')]).toEqual([
      '100.00',
      '70.00',
      '75.00',
      '65.00',
    ]);
  });

  it('replays a close on the closed account', () => {
    spec
      .given([...history, accountClosed('x1', '65.00')])
      .when(closeAccount('x1'))
      .thenNothing();
    spec
      .given([...history, accountClosed('x1', '65.00')])
      .when(charge('c1', '30', { deviceId }))
      .thenNothing();
  });

  it.each([
    ['a top-up with another amount', topUp('t-fund', '100.01')],
    ['a top-up on another channel', topUp('t-fund', '100', { channel: 'cash' })],
    ['a charge with another merchant', charge('c1', '30', { deviceId, merchantId: `${merchantId}-2` })],
    ['a charge without its device', charge('c1', '30')],
    ['a charge now offline', charge('c1', '30', { deviceId, offline: true })],
    ['a refund of another amount', refund('r1', 'c1', '4')],
    ['a bill to another payee', payBill('b1', '10', { payee: 'water' })],
    ['a charge reusing a top-up txId', charge('t-fund', '100')],
    ['a close reusing a bill txId', closeAccount('b1')],
  ] as const)('refuses %s under a used txId: idempotency_conflict', (_, command) => {
    spec.given(history).when(command).thenThrows('idempotency_conflict');
  });

  it('decides a refused txId again when it comes back (nothing was recorded)', () => {
    spec.given(funded('10.00')).when(charge('c9', '20')).thenThrows('insufficient_funds');
    spec
      .given([...funded('10.00'), toppedUp('t2', '10.00')])
      .when(charge('c9', '20'))
      .then([charged('c9', '20.00')]);
  });

  it('opens the account named by the command', () => {
    spec
      .given([])
      .when(openAccount({ accountId: 'other-7' }))
      .then([accountOpened({ accountId: 'other-7' })]);
  });
});

describe('account decider: the moves a state keeps, and older moves recalled', () => {
  const decider = createAccountDecider(testTimeZone, 3);
  const windowed = deciderSpec(decider);
  const history = [
    accountOpened(),
    toppedUp('t1', '100.00'),
    charged('c1', '30.00', { deviceId }),
    refunded('r1', 'c1', '5.00'),
    billPaid('b1', '10.00'),
    charged('c2', '1.00'),
    charged('c3', '2.00'),
  ];
  /** The events of `history` from revision `from` on, as the store would return them. */
  const from = (revision: number) => history.slice(revision);

  it('keeps only the latest moves and counts them all', () => {
    const state = foldEvents(decider, history);
    expect(state.recentMoves.map((move) => move.txId)).toEqual(['b1', 'c2', 'c3']);
    expect(state.moveCount).toBe(6);
    expect(mayBeOlderMove(state, 'c1')).toBe(true);
    expect(mayBeOlderMove(state, 'c3')).toBe(false);
  });

  it('cannot tell a duplicate of a move it let go: it decides anew, and the store refuses the txId', () => {
    windowed
      .given(history)
      .when(charge('c1', '30', { deviceId }))
      .then([charged('c1', '30.00', { deviceId })]);
  });

  it('answers a duplicate of a recalled move with its original outcome, and refuses other content', () => {
    const state = foldEvents(decider, history);
    const recalled = recallMove(state, 'c1', 2, from(2));
    expect(decider.decide(charge('c1', '30', { deviceId }), recalled)).toEqual([]);
    const move = findMove(recalled, 'c1');
    expect(move && formatMoney(move.balanceAfter)).toBe('70.00');
    expect(move?.revision).toBe(2);
    expect(move?.charge && formatMoney(move.charge.refunded)).toBe('5.00');
    expect(() => decider.decide(charge('c1', '31', { deviceId }), recalled)).toThrow(
      expect.objectContaining({ code: 'idempotency_conflict' }),
    );
  });

  it('refunds an older charge only once it is recalled, and never beyond what is left of it', () => {
    windowed
      .given(history)
      .when(refund('r2', 'c1', '1'))
      .thenThrows('charge_not_found');
    const state = foldEvents(decider, history);
    const recalled = recallMove(state, 'c1', 2, from(2));
    expect(decider.decide(refund('r2', 'c1', '25'), recalled)).toEqual([refunded('r2', 'c1', '25.00')]);
    expect(() => decider.decide(refund('r2', 'c1', '25.01'), recalled)).toThrow(
      expect.objectContaining({ code: 'refund_exceeds_charge' }),
    );
  });

  it('drops recalled moves with the next event', () => {
    const state = foldEvents(decider, history);
    const recalled = recallMove(state, 'c1', 2, from(2));
    const next = decider.evolve(recalled, charged('c4', '1.00'));
    expect(next.recalled).toBeUndefined();
    expect(findMove(next, 'c1')).toBeUndefined();
  });

  it('refuses to recall from events that do not reach the state or do not carry the txId', () => {
    const state = foldEvents(decider, history);
    expect(() => recallMove(state, 'c1', 2, from(2).slice(0, -1))).toThrow(/revisions 2\.\.6/);
    expect(() => recallMove(state, 'c1', 3, from(3))).toThrow(/does not carry txId c1/);
  });
});
