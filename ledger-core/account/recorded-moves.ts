import type { Money } from '../money.ts';
import type { AccountState, RecordedMove } from './state.ts';

/** The move recorded under a txId, among the recent moves or those recalled for this decision. */
export const findMove = (state: AccountState, txId: string): RecordedMove | undefined => {
  for (let index = state.recentMoves.length - 1; index >= 0; index -= 1) {
    const move = state.recentMoves[index] as RecordedMove;
    if (move.txId === txId) return move;
  }
  return state.recalled?.find((move) => move.txId === txId);
};

/**
 * True when the state cannot tell whether `txId` names one of its moves: it is not among the moves at
 * hand, and older ones were let go. Only the event store can answer then.
 */
export const mayBeOlderMove = (state: AccountState, txId: string): boolean =>
  state.moveCount > state.recentMoves.length && findMove(state, txId) === undefined;

/** The moves with `move` added last, the oldest dropped beyond `kept`. */
export const withRecentMove = (
  moves: readonly RecordedMove[],
  move: RecordedMove,
  kept: number,
): readonly RecordedMove[] => {
  const next = moves.length >= kept ? moves.slice(moves.length - kept + 1) : moves.slice();
  next.push(move);
  return next;
};

/** The moves with `amount` added to what was refunded of charge `chargeTxId`, if it is among them. */
export const withRefundOf = (
  moves: readonly RecordedMove[],
  chargeTxId: string,
  amount: Money,
): readonly RecordedMove[] => {
  const index = moves.findIndex((move) => move.txId === chargeTxId);
  const move = moves[index];
  if (!move?.charge) return moves;
  const next = moves.slice();
  next[index] = { ...move, charge: { ...move.charge, refunded: move.charge.refunded.plus(amount) } };
  return next;
};
