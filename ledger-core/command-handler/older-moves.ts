import { recallMove } from '../account/recall-move.ts';
import { mayBeOlderMove } from '../account/recorded-moves.ts';
import type { AccountState } from '../account/state.ts';
import { isMoneyCommand, type LedgerCommand, type MoneyCommand } from '../commands.ts';
import type { Dated } from '../decider.ts';
import type { EventStore, Position } from '../event-store/port.ts';
import type { AccountEvent } from '../events.ts';
import { LedgerRejection } from '../rejection.ts';
import { type AggregateState, type AnyDecider, toDatedEvent } from './aggregates.ts';
import type { CachedStream } from './state-cache.ts';
import { type CommandOutcome, unchangedOutcome } from './unchanged-outcome.ts';

// An account's state keeps only its latest money moves (account/state.ts). A decision that needs an
// older one reads it back from the store: a refund of an older charge, and a txId the state does not know
// but the store may (its unique key refused the append, or the decider refused a command that may be a
// late duplicate of an accepted one, which must get its original outcome, I5).

type Store = Pick<EventStore, 'findTransaction' | 'readStream'>;

/**
 * An account state with one older money move read back from the store, and that move's global position;
 * otherwise why not: no event carries the txId, another stream's event does, or it was written after the
 * state's revision (the state is stale: decide again on a fresh one).
 */
export type RecallResult =
  | { state: AccountState; position: Position }
  | 'not_found'
  | 'other_stream'
  | 'ahead';

export const recallFromStore = async (
  store: Store,
  streamId: string,
  state: AccountState,
  txId: string,
): Promise<RecallResult> => {
  const location = await store.findTransaction(txId);
  if (!location) return 'not_found';
  if (location.streamId !== streamId) return 'other_stream';
  if (location.revision > state.revision) return 'ahead';
  const events = await store.readStream(streamId, {
    fromRevision: location.revision,
    maxCount: state.revision - location.revision + 1,
  });
  const dated = events.map((event) => toDatedEvent(event) as Dated<AccountEvent>);
  return { state: recallMove(state, txId, location.revision, dated), position: location.position };
};

/** The state to decide a command on: for a refund of a charge the state let go, with that charge. */
export const stateToDecide = async (
  store: Store,
  streamId: string,
  command: LedgerCommand,
  state: AggregateState,
): Promise<AggregateState> => {
  if (command.type !== 'Refund' || !mayBeOlderMove(state as AccountState, command.chargeTxId)) return state;
  const recalled = await recallFromStore(store, streamId, state as AccountState, command.chargeTxId);
  // Anything but a charge of this account leaves the decider to answer charge_not_found.
  return typeof recalled === 'string' ? state : recalled.state;
};

/** True when a refusal of this command may hide a late duplicate the state no longer remembers. */
export const mayBeLateDuplicate = (command: LedgerCommand, state: AggregateState): command is MoneyCommand =>
  isMoneyCommand(command) && mayBeOlderMove(state as AccountState, command.txId);

export type HistoryAnswer =
  | { kind: 'outcome'; outcome: CommandOutcome }
  | { kind: 'refused'; error: unknown }
  | { kind: 'retry'; reason: string };

/**
 * A money command whose txId the state does not know, refused by the decider (`refusal`) or by the
 * store's unique key (no refusal): when the txId names an older move of this account, decide again with
 * that move recalled, which answers its original outcome or idempotency_conflict. A refusal stands when
 * the txId is another account's, as it does on an account that let no moves go.
 */
export const answerFromHistory = async (
  store: Store,
  decider: AnyDecider,
  streamId: string,
  command: MoneyCommand,
  entry: CachedStream,
  refusal?: unknown,
): Promise<HistoryAnswer> => {
  const recalled = await recallFromStore(store, streamId, entry.state as AccountState, command.txId);
  switch (recalled) {
    case 'ahead':
      return { kind: 'retry', reason: 'txId recorded meanwhile' };
    case 'other_stream':
      return {
        kind: 'refused',
        error:
          refusal ??
          new LedgerRejection(
            'idempotency_conflict',
            `txId ${command.txId} is already used on another stream`,
          ),
      };
    case 'not_found':
      return refusal === undefined
        ? { kind: 'retry', reason: 'txId refused as a duplicate but not found' }
        : { kind: 'refused', error: refusal };
  }
  try {
    const decided = decider.decide(command, recalled.state);
    if (decided.length > 0) throw new Error(`txId ${command.txId} was recalled but decided as new`);
  } catch (error) {
    return { kind: 'refused', error };
  }
  const recalledEntry = { ...entry, state: recalled.state };
  const outcome = await unchangedOutcome(store, streamId, command, recalledEntry, recalled.position);
  return { kind: 'outcome', outcome };
};
