import { findMove } from '../account/recorded-moves.ts';
import type { AccountState } from '../account/state.ts';
import { isMoneyCommand, type LedgerCommand } from '../commands.ts';
import type { EventStore, Position, RecordedEvent } from '../event-store/port.ts';
import { formatMoney } from '../money.ts';
import type { AggregateState } from './aggregates.ts';
import type { CachedStream } from './state-cache.ts';

export type CommandOutcome = {
  status: 'accepted';
  streamId: string;
  txId?: string;
  /** Account commands: the balance right after the command (for a replayed txId, after the original). */
  balance?: string;
  /** Global position of the command's last event; for a replay, of the original event. */
  position: Position;
  revision: number;
  /** True when the txId was already applied and this is its original outcome (I5). */
  replayed: boolean;
  events: RecordedEvent[];
  state: AggregateState;
};

export const withBalance = (state: AggregateState): { balance?: string } => {
  const balance = (state as Partial<AccountState>).balance;
  return balance === undefined ? {} : { balance: formatMoney(balance) };
};

/**
 * The outcome of a command that wrote nothing: a lifecycle no-op, or a replayed txId, answered with its
 * original move (among the state's recent or recalled moves) and that move's global position (read from
 * the store unless the caller already knows it).
 */
export const unchangedOutcome = async (
  store: Pick<EventStore, 'readStream'>,
  streamId: string,
  command: LedgerCommand,
  entry: CachedStream,
  originalPosition?: Position,
): Promise<CommandOutcome> => {
  const base = { status: 'accepted' as const, streamId, events: [], state: entry.state };
  if (!isMoneyCommand(command)) {
    return {
      ...base,
      position: entry.lastPosition,
      revision: entry.state.revision,
      replayed: false,
      ...withBalance(entry.state),
    };
  }
  const move = findMove(entry.state as AccountState, command.txId);
  if (!move) throw new Error(`txId ${command.txId} decided as a replay but not recorded`);
  const position =
    originalPosition ??
    (await store.readStream(streamId, { fromRevision: move.revision, maxCount: 1 }))[0]?.position ??
    entry.lastPosition;
  return {
    ...base,
    txId: command.txId,
    balance: formatMoney(move.balanceAfter),
    position,
    revision: move.revision,
    replayed: true,
  };
};
