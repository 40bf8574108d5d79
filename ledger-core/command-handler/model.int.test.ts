import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  decideModel,
  fenToMoneyText,
  type ModelAccount,
  type ModelCommand,
  type ModelDecision,
  openedAccount,
  recordMove,
} from '../../testing/account-model.ts';
import {
  handlerOn,
  ledgerCommand,
  openPostgresLedger,
  type PostgresLedger,
  testContext,
} from '../../testing/ledger-store.ts';
import { serviceAvailable, uniqueName } from '../../testing/services.ts';
import type { AccountState } from '../account/state.ts';
import type { LedgerCommand } from '../commands.ts';
import type { EventStore } from '../event-store/port.ts';
import { formatMoney } from '../money.ts';
import type { CommandHandler, CommandOutcome } from './command-handler.ts';

// Model-based test: rounds of random commands run concurrently through two command handlers (two
// "processes", one of them restarted now and then) on the real Postgres store, checked against the
// simple reference model in testing/account-model.ts. Commands of one round may hit the same account in
// any order, so the check is linearizability: the writes, taken in position order, must each be what the
// model decides at that point; every command that wrote nothing must be explained by the model at some
// point of that order.

const postgresUp = await serviceAvailable('postgres');
const accountsPerRun = 4;

const via = fc.constantFrom(0, 1);
const accountIndex = fc.nat(accountsPerRun - 1);
const fen = (max: number) => fc.integer({ min: 1, max });
const opArbitrary = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('topUp' as const),
      account: accountIndex,
      fen: fen(50_000),
      via,
    }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('charge' as const),
      account: accountIndex,
      fen: fen(8_000),
      offline: fc.boolean(),
      via,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('refund' as const),
      account: accountIndex,
      fen: fen(8_000),
      pick: fc.nat(),
      via,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('bill' as const), account: accountIndex, fen: fen(8_000), via }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('close' as const), account: accountIndex, via }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constantFrom('freeze' as const, 'unfreeze' as const),
      account: accountIndex,
      via,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('replay' as const),
      pick: fc.nat(),
      via,
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('conflict' as const), pick: fc.nat(), via }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('elsewhere' as const),
      pick: fc.nat(),
      account: accountIndex,
      via,
    }),
  },
);
type Op = typeof opArbitrary extends fc.Arbitrary<infer T> ? T : never;
const roundsArbitrary = fc.array(
  fc.record({ restart: fc.boolean(), ops: fc.array(opArbitrary, { minLength: 1, maxLength: 8 }) }),
  { minLength: 1, maxLength: 6 },
);

const toLedgerCommand = (command: ModelCommand): LedgerCommand => {
  const { accountId } = command;
  switch (command.type) {
    case 'TopUp':
      return ledgerCommand({
        type: 'TopUp',
        accountId,
        txId: command.txId,
        amount: fenToMoneyText(command.fen),
        channel: 'cash',
      });
    case 'Charge':
      return ledgerCommand({
        type: 'Charge',
        accountId,
        txId: command.txId,
        amount: fenToMoneyText(command.fen),
        merchantId: 'canteen',
        offline: command.offline,
      });
    case 'Refund':
      return ledgerCommand({
        type: 'Refund',
        accountId,
        txId: command.txId,
        chargeTxId: command.chargeTxId,
        amount: fenToMoneyText(command.fen),
      });
    case 'PayBill':
      return ledgerCommand({
        type: 'PayBill',
        accountId,
        txId: command.txId,
        amount: fenToMoneyText(command.fen),
        payee: 'water',
        billRef: 'w-1',
      });
    case 'CloseAccount':
      return ledgerCommand({ type: 'CloseAccount', accountId, txId: command.txId, payoutChannel: 'cash' });
    case 'FreezeAccount':
    case 'UnfreezeAccount':
      return ledgerCommand({ type: command.type, accountId });
  }
};

type Result = { command: ModelCommand; outcome?: CommandOutcome; code?: string };

/** Does the model's decision explain what the system answered for a command that wrote nothing? */
const explains = (decision: ModelDecision, result: Result): boolean => {
  if (result.code !== undefined) return decision.kind === 'rejected' && decision.code === result.code;
  const outcome = result.outcome as CommandOutcome;
  if (decision.kind === 'unchanged') return !outcome.replayed;
  if (decision.kind !== 'replay') return false;
  return (
    outcome.replayed &&
    outcome.balance === fenToMoneyText(decision.move.balanceAfter) &&
    outcome.position === decision.move.position
  );
};

/** Few, so that duplicates and refunds often reach past the moves a state keeps to the store. */
const recentMovesKept = 3;

describe.skipIf(!postgresUp)('command handler against a reference model (Postgres)', () => {
  let ledger: PostgresLedger;
  /** A "process": a handler on a store with a connection pool of its own. */
  type Process = { handler: CommandHandler; store: EventStore };
  const processes: Process[] = [];
  const openProcess = (): Process => {
    const { store } = ledger.connect();
    return { store, handler: handlerOn(store, { recentMovesKept }) };
  };
  const handlerOf = (index: number) => (processes[index] as Process).handler;

  beforeAll(async () => {
    ledger = await openPostgresLedger();
    processes.push(openProcess(), openProcess());
    await handlerOf(0).handle(
      ledgerCommand({
        type: 'RegisterMerchant',
        merchantId: 'canteen',
        name: 'Canteen',
        category: 'canteen',
      }),
      testContext,
    );
  });
  afterAll(async () => {
    await Promise.all(processes.map((process) => process.handler.close()));
    await ledger.cleanup();
  });

  it('agrees with the model over random concurrent rounds from two processes, with restarts', async () => {
    let gaveUp = 0;
    await fc.assert(
      fc.asyncProperty(roundsArbitrary, async (rounds) => {
        const run = uniqueName('m');
        const ids = Array.from({ length: accountsPerRun }, (_, index) => `${run}-${index}`);
        const model = new Map<string, ModelAccount>();
        const owners = new Map<string, string>();
        const moves: ModelCommand[] = [];
        let freshTx = 0;
        for (const accountId of ids) {
          await handlerOf(0).handle(
            ledgerCommand({
              type: 'OpenAccount',
              accountId,
              holderName: accountId,
              holderType: 'student',
              cardNo: '62000000001',
              limits: { perTransaction: '1000000.00', daily: '1000000.00' },
              offlineLimit: '50.00',
            }),
            testContext,
          );
          model.set(accountId, openedAccount());
        }

        for (const round of rounds) {
          if (round.restart) {
            // As a real restart: the handler and its connections go (ledger.cleanup closes the rest).
            await handlerOf(1).close();
            await processes[1]?.store.close();
            processes[1] = openProcess();
          }
          const commandOf = (op: Op): ModelCommand | undefined => {
            const txId = () => `${run}-t${++freshTx}`;
            if (op.kind === 'replay' || op.kind === 'conflict' || op.kind === 'elsewhere') {
              const earlier = moves[op.pick % Math.max(moves.length, 1)];
              if (!earlier) return undefined;
              if (op.kind === 'replay') return earlier;
              if (op.kind === 'elsewhere') return { ...earlier, accountId: ids[op.account] as string };
              return 'fen' in earlier ? { ...earlier, fen: earlier.fen + 1n } : undefined;
            }
            const accountId = ids[op.account] as string;
            switch (op.kind) {
              case 'topUp':
                return { type: 'TopUp', accountId, txId: txId(), fen: BigInt(op.fen) };
              case 'charge':
                return { type: 'Charge', accountId, txId: txId(), fen: BigInt(op.fen), offline: op.offline };
              case 'refund': {
                const charges = [...(model.get(accountId)?.charges.keys() ?? [])];
                const chargeTxId = charges[op.pick % Math.max(charges.length, 1)] ?? `${run}-no-charge`;
                return { type: 'Refund', accountId, txId: txId(), chargeTxId, fen: BigInt(op.fen) };
              }
              case 'bill':
                return { type: 'PayBill', accountId, txId: txId(), fen: BigInt(op.fen) };
              case 'close':
                return { type: 'CloseAccount', accountId, txId: txId() };
              case 'freeze':
                return { type: 'FreezeAccount', accountId };
              case 'unfreeze':
                return { type: 'UnfreezeAccount', accountId };
            }
          };
          const planned = round.ops.flatMap((op) => {
            const command = commandOf(op);
            return command ? [{ command, handler: handlerOf(op.via) }] : [];
          });
          const results: Result[] = await Promise.all(
            planned.map(({ command, handler }) =>
              handler.handle(toLedgerCommand(command), testContext).then(
                (outcome) => ({ command, outcome }),
                (error: { code?: string }) => ({ command, code: error.code ?? String(error) }),
              ),
            ),
          );

          for (const accountId of ids) {
            const mine = results.filter((result) => result.command.accountId === accountId);
            const writes = mine
              .filter((result) => (result.outcome?.events.length ?? 0) > 0)
              .sort((left, right) => (left.outcome!.position < right.outcome!.position ? -1 : 1));
            const states = [model.get(accountId) as ModelAccount];
            for (const write of writes) {
              const before = states[states.length - 1] as ModelAccount;
              const decision = decideModel(write.command, before, (txId) => owners.get(txId));
              expect(
                decision.kind,
                `${JSON.stringify(write.command, (_, v) => (typeof v === 'bigint' ? `${v}` : v))} was written`,
              ).toBe('write');
              if (decision.kind !== 'write') return;
              const after = recordMove(write.command, decision.next, write.outcome!.position);
              expect(write.outcome!.balance).toBe(fenToMoneyText(after.balance));
              states.push(after);
              if ('txId' in write.command) {
                owners.set(write.command.txId, accountId);
                moves.push(write.command);
              }
            }
            for (const result of mine.filter((each) => !writes.includes(each))) {
              // Giving up after bounded retries is allowed under contention: it wrote nothing.
              if (result.code === 'concurrency_conflict') {
                gaveUp += 1;
                continue;
              }
              const explained = states.some((state) =>
                explains(
                  decideModel(result.command, state, (txId) => owners.get(txId)),
                  result,
                ),
              );
              expect(
                explained,
                `${JSON.stringify(result, (_, v) => (typeof v === 'bigint' ? `${v}` : v))} has no explanation`,
              ).toBe(true);
            }
            model.set(accountId, states[states.length - 1] as ModelAccount);
          }
        }

        for (const accountId of ids) {
          const fresh = handlerOn(ledger.store, { recentMovesKept });
          const state = (await fresh.load(`account-${accountId}`)).state as AccountState;
          const expected = model.get(accountId) as ModelAccount;
          expect(formatMoney(state.balance)).toBe(fenToMoneyText(expected.balance));
          expect({ status: state.status, frozen: state.frozen }).toEqual({
            status: expected.status,
            frozen: expected.frozen,
          });
        }
      }),
      // Every shrink step replays a scenario on Postgres; report the first counterexample unshrunk instead.
      { numRuns: 40, endOnFailure: true },
    );
    expect(gaveUp).toBeLessThan(10);
  });
});
