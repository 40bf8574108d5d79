import fc from 'fast-check';
import {
  type AccountCommand,
  type AccountEvent,
  type AccountState,
  accountCommandSchema,
  createAccountDecider,
  type Dated,
  foldEvents,
  isLedgerRejection,
  isMoneyCommand,
  isMoneyEvent,
  mayBeOlderMove,
  type RejectionCode,
  recallMove,
} from '../ledger-core/index.ts';

// Random command sequences for the account decider, and a runner that decides them one by one and keeps
// a trace (state before, command, events or rejection) for invariant checks. Money is generated as
// integer fen and written as decimal strings in the forms a client may use ("12", "12.5", "12.50").

export const workloadTimeZone = 'Asia/Shanghai';
/** Midnight in Shanghai, 10 March 2025. */
const workloadStart = Date.parse('2025-03-09T16:00:00.000Z');
/** Two accounts opened at the start, and one that is never opened unless the workload opens it. */
export const workloadAccounts = ['a', 'b', 'ghost'] as const;
type AccountName = (typeof workloadAccounts)[number];

const limitChoices = [
  { perTransaction: '20.00', daily: '30.00' },
  { perTransaction: '50.00', daily: '100.00' },
  { perTransaction: '500.00', daily: '1000.00' },
] as const;
const offlineLimitChoices = ['0.00', '10.00', '50.00'] as const;

/** Fen as a decimal string; `form` picks among the forms that denote the same amount. */
export const fenToDecimal = (fen: number, form = 2): string => {
  const whole = Math.floor(fen / 100);
  const cents = fen % 100;
  if (form === 0 && cents === 0) return String(whole);
  if (form === 1 && cents % 10 === 0) return `${whole}.${cents / 10}`;
  return `${whole}.${String(cents).padStart(2, '0')}`;
};

const amountArbitrary = fc.record({
  fen: fc.oneof(
    { weight: 12, arbitrary: fc.integer({ min: 1, max: 3_000 }) },
    { weight: 3, arbitrary: fc.integer({ min: 1, max: 60_000 }) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 100_000_000 }) },
  ),
  form: fc.integer({ min: 0, max: 2 }),
});

const topUpAmountArbitrary = fc.record({
  fen: fc.oneof(
    { weight: 8, arbitrary: fc.integer({ min: 1_000, max: 200_000 }) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 100_000_000 }) },
  ),
  form: fc.integer({ min: 0, max: 2 }),
});

const account = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom('a' as const, 'b' as const) },
  { weight: 1, arbitrary: fc.constant('ghost' as const) },
);
/** When present, reuse one of the account's earlier txIds (by index) instead of a fresh one. */
const txPick = fc.oneof({ weight: 9, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.nat() });

export const workloadOpArbitrary = fc.oneof(
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('open' as const),
      account,
      limits: fc.nat(2),
      offline: fc.nat(2),
    }),
  },
  {
    weight: 12,
    arbitrary: fc.record({
      kind: fc.constant('topUp' as const),
      account,
      amount: topUpAmountArbitrary,
      txPick,
    }),
  },
  {
    weight: 20,
    arbitrary: fc.record({
      kind: fc.constant('charge' as const),
      account,
      amount: amountArbitrary,
      txPick,
      offline: fc.boolean(),
      backdateMinutes: fc.integer({ min: 0, max: 2 * 24 * 60 }),
      card: fc.constantFrom('none' as const, 'current' as const, 'old' as const),
    }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('refund' as const),
      account,
      amount: amountArbitrary,
      txPick,
      chargePick: fc.option(fc.nat(), { freq: 6, nil: undefined }),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({ kind: fc.constant('bill' as const), account, amount: amountArbitrary, txPick }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('close' as const), account, txPick }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constantFrom('freeze' as const, 'unfreeze' as const, 'lost' as const, 'replace' as const),
      account,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('limits' as const),
      account,
      limits: fc.nat(2),
      offline: fc.nat(2),
    }),
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('replay' as const), pick: fc.nat() }) },
);
export type WorkloadOp = { minutesLater: number } & (typeof workloadOpArbitrary extends fc.Arbitrary<infer Op>
  ? Op
  : never);

const openingArbitrary = (name: 'a' | 'b') =>
  fc
    .record({ limits: fc.nat(2), offline: fc.nat(2) })
    .map((choice) => ({ kind: 'open' as const, account: name, ...choice, minutesLater: 0 }));

/** Both accounts opened, then up to 80 random commands a few minutes to hours apart. */
export const workloadArbitrary = fc
  .tuple(
    openingArbitrary('a'),
    openingArbitrary('b'),
    fc.array(
      fc
        .tuple(
          fc.oneof(
            { weight: 20, arbitrary: fc.integer({ min: 0, max: 30 }) },
            { weight: 1, arbitrary: fc.integer({ min: 0, max: 12 * 60 }) },
          ),
          workloadOpArbitrary,
        )
        .map(([minutesLater, op]) => ({ ...op, minutesLater })),
      { minLength: 1, maxLength: 80, size: 'max' },
    ),
  )
  .map(([openA, openB, ops]): WorkloadOp[] => [openA, openB, ...ops]);

export type TraceStep = {
  account: AccountName;
  command: AccountCommand;
  before: AccountState;
  after: AccountState;
  /** Events the command produced ([] for a duplicate or no-op), or the rejection code. */
  outcome: { events: Dated<AccountEvent>[] } | { rejected: RejectionCode };
  replay: boolean;
};

type AccountRun = {
  state: AccountState;
  /** Every event of the account, at the index of its revision: the event store of this run. */
  events: Dated<AccountEvent>[];
  txIds: string[];
  charges: string[];
  oldCards: string[];
  cardCount: number;
};

const cardOf = (name: AccountName, index: number) =>
  `62${name === 'a' ? '1' : '2'}${String(index).padStart(13, '0')}`;

/** Few, so that workloads outgrow the moves a state keeps and exercise the recall of older ones. */
export const workloadRecentMovesKept = 4;

/** An older money move of the run's account read back from its events, as the command handler does. */
const recall = (run: AccountRun, state: AccountState, txId: string): AccountState | undefined => {
  const revision = run.events.findIndex((event) => isMoneyEvent(event) && event.data.txId === txId);
  return revision < 0 ? undefined : recallMove(state, txId, revision, run.events.slice(revision));
};

/**
 * The state the command handler ends up deciding a command on: with the older charge a refund names,
 * and with the older move a late duplicate repeats (the handler recalls that one after the decider or the
 * store's unique txId refused the command; deciding on it gives the same answer).
 */
const stateToDecide = (run: AccountRun, command: AccountCommand): AccountState => {
  let state = run.state;
  if (command.type === 'Refund' && mayBeOlderMove(state, command.chargeTxId)) {
    state = recall(run, state, command.chargeTxId) ?? state;
  }
  if (isMoneyCommand(command) && mayBeOlderMove(run.state, command.txId)) {
    state = recall(run, run.state, command.txId) ?? state;
  }
  return state;
};

/** Decides every op of a workload in order; returns the trace and each account's final state. */
export const runWorkload = (ops: WorkloadOp[]) => {
  const decider = createAccountDecider(workloadTimeZone, workloadRecentMovesKept);
  const runs = new Map<AccountName, AccountRun>(
    workloadAccounts.map((name) => [
      name,
      { state: decider.initialState(), events: [], txIds: [], charges: [], oldCards: [], cardCount: 0 },
    ]),
  );
  const trace: TraceStep[] = [];
  let now = workloadStart;
  let freshTx = 0;

  const commandOf = (op: Exclude<WorkloadOp, { kind: 'replay' }>, run: AccountRun): AccountCommand => {
    const occurredAt = new Date(now).toISOString();
    const base = { accountId: op.account, occurredAt };
    const txIdOf = (pick: number | undefined) => {
      if (pick !== undefined && run.txIds.length > 0) return run.txIds[pick % run.txIds.length] as string;
      freshTx += 1;
      return `tx-${freshTx}`;
    };
    const amountOf = (amount: { fen: number; form: number }) => fenToDecimal(amount.fen, amount.form);
    switch (op.kind) {
      case 'open':
        return accountCommandSchema.parse({
          ...base,
          type: 'OpenAccount',
          holderName: `Holder ${op.account}`,
          holderType: 'student',
          cardNo: cardOf(op.account, 0),
          limits: limitChoices[op.limits],
          offlineLimit: offlineLimitChoices[op.offline],
        });
      case 'topUp':
        return accountCommandSchema.parse({
          ...base,
          type: 'TopUp',
          txId: txIdOf(op.txPick),
          amount: amountOf(op.amount),
          channel: 'alipay',
        });
      case 'charge': {
        const card =
          op.card === 'current' ? run.state.cardNo : op.card === 'old' ? run.oldCards.at(-1) : undefined;
        return accountCommandSchema.parse({
          ...base,
          type: 'Charge',
          txId: txIdOf(op.txPick),
          amount: amountOf(op.amount),
          merchantId: 'canteen',
          offline: op.offline,
          ...(op.offline ? { occurredAt: new Date(now - op.backdateMinutes * 60_000).toISOString() } : {}),
          ...(card ? { cardNo: card } : {}),
        });
      }
      case 'refund': {
        const chargeTxId =
          op.chargePick !== undefined && run.charges.length > 0
            ? (run.charges[op.chargePick % run.charges.length] as string)
            : 'no-such-charge';
        return accountCommandSchema.parse({
          ...base,
          type: 'Refund',
          txId: txIdOf(op.txPick),
          chargeTxId,
          amount: amountOf(op.amount),
        });
      }
      case 'bill':
        return accountCommandSchema.parse({
          ...base,
          type: 'PayBill',
          txId: txIdOf(op.txPick),
          amount: amountOf(op.amount),
          payee: 'dorm',
          billRef: 'room-301',
        });
      case 'close':
        return accountCommandSchema.parse({
          ...base,
          type: 'CloseAccount',
          txId: txIdOf(op.txPick),
          payoutChannel: 'cash',
        });
      case 'freeze':
        return accountCommandSchema.parse({ ...base, type: 'FreezeAccount' });
      case 'unfreeze':
        return accountCommandSchema.parse({ ...base, type: 'UnfreezeAccount' });
      case 'lost':
        return accountCommandSchema.parse({ ...base, type: 'ReportCardLost' });
      case 'replace':
        return accountCommandSchema.parse({
          ...base,
          type: 'ReplaceCard',
          newCardNo: cardOf(op.account, run.cardCount + 1),
        });
      case 'limits':
        return accountCommandSchema.parse({
          ...base,
          type: 'ChangeLimits',
          ...limitChoices[op.limits],
          offlineLimit: offlineLimitChoices[op.offline],
        });
    }
  };

  for (const op of ops) {
    now += op.minutesLater * 60_000;
    let account: AccountName;
    let command: AccountCommand;
    if (op.kind === 'replay') {
      if (trace.length === 0) continue;
      const earlier = trace[op.pick % trace.length] as TraceStep;
      account = earlier.account;
      command = earlier.command;
    } else {
      account = op.account;
      command = commandOf(op, runs.get(account) as AccountRun);
    }
    const run = runs.get(account) as AccountRun;
    const before = run.state;
    let outcome: TraceStep['outcome'];
    try {
      outcome = { events: decider.decide(command, stateToDecide(run, command)) };
    } catch (error) {
      if (!isLedgerRejection(error)) throw error;
      outcome = { rejected: error.code };
    }
    if ('events' in outcome) {
      run.state = foldEvents(decider, outcome.events, before);
      run.events.push(...outcome.events);
      for (const event of outcome.events) {
        if ('txId' in event.data) run.txIds.push(event.data.txId);
        if (event.type === 'Charged') run.charges.push(event.data.txId);
        if (event.type === 'CardReplaced') {
          run.oldCards.push(event.data.oldCardNo);
          run.cardCount += 1;
        }
      }
    }
    trace.push({ account, command, before, after: run.state, outcome, replay: op.kind === 'replay' });
  }
  /** Decides a command again on an account's final state, as the command handler would. */
  const decideAgain = (account: AccountName, command: AccountCommand) => {
    const decidedOn = stateToDecide(runs.get(account) as AccountRun, command);
    return { events: decider.decide(command, decidedOn), decidedOn };
  };
  return {
    trace,
    finalStates: new Map([...runs].map(([name, run]) => [name, run.state])),
    decider,
    decideAgain,
  };
};

/**
 * Spending pressure for the limits (I3): one funded account, mostly online charges, some offline ones and
 * limit changes, minutes to hours apart, so daily limits are reached and days roll over.
 */
export const spendingWorkloadArbitrary = fc
  .tuple(
    openingArbitrary('a'),
    fc.array(
      fc.tuple(
        fc.integer({ min: 0, max: 180 }),
        fc.oneof(
          {
            weight: 10,
            arbitrary: fc.record({
              kind: fc.constant('charge' as const),
              account: fc.constant('a' as const),
              amount: fc.record({ fen: fc.integer({ min: 1, max: 6_000 }), form: fc.constant(2) }),
              txPick: fc.constant(undefined),
              offline: fc.oneof(
                { weight: 4, arbitrary: fc.constant(false) },
                { weight: 1, arbitrary: fc.constant(true) },
              ),
              backdateMinutes: fc.integer({ min: 0, max: 24 * 60 }),
              card: fc.constant('none' as const),
            }),
          },
          {
            weight: 1,
            arbitrary: fc.record({
              kind: fc.constant('limits' as const),
              account: fc.constant('a' as const),
              limits: fc.nat(2),
              offline: fc.nat(2),
            }),
          },
        ),
      ),
      { minLength: 1, maxLength: 80, size: 'max' },
    ),
  )
  .map(([open, ops]): WorkloadOp[] => [
    open,
    {
      kind: 'topUp',
      account: 'a',
      amount: { fen: 100_000_000, form: 2 },
      txPick: undefined,
      minutesLater: 0,
    },
    ...ops.map(([minutesLater, op]) => ({ ...op, minutesLater })),
  ]);
