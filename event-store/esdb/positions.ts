import { type Position as EsdbPosition, START, streamNameFilter } from '@eventstore/db-client';
import type { Position } from '../../ledger-core/index.ts';

// Positions. An EventStoreDB $all position is a pair (commit, prepare) of byte offsets in the transaction
// log. Since the gRPC API (v20+) there are no explicit transactions: every event is a "committed prepare"
// whose $all position is (its own log position, its own log position), so commit = prepare, unique per
// event and increasing in $all order, also for several events written by one append. Only events from
// legacy TCP explicit transactions share one commit position (prepare < commit); this ledger never writes
// them, so meeting one in a ledger stream is an error rather than a silently wrong order.
//
// The ledger position is therefore the commit position: a sparse but strictly increasing bigint, and
// (p, p) maps back to the $all position of the same event.

/** `readStream` on servers before 22.6 reports this (unsigned -1) when it does not know the position. */
const unknownPosition = 2n ** 64n - 1n;

export const toLedgerPosition = (position: EsdbPosition | undefined, what: string): Position => {
  if (!position || position.commit === unknownPosition) {
    throw new Error(`${what} has no $all position (EventStoreDB 22.6 or later is required)`);
  }
  if (position.commit !== position.prepare) {
    throw new Error(
      `${what} belongs to a legacy explicit transaction (commit ${position.commit} ≠ prepare ${position.prepare})`,
    );
  }
  return position.commit;
};

/** Where to start reading $all for events after `position` (the read itself may include `position`). */
export const toEsdbReadPosition = (position: Position): EsdbPosition | typeof START =>
  position === 0n ? START : { commit: position, prepare: position };

// Streams. `tx-{txId}` streams hold txId reservations (see reservations.ts); `$`-streams and `$`-types are
// EventStoreDB's own. Neither is part of the ledger's global log.

export const reservationStreamPrefix = 'tx-';
export const reservationStreamOf = (txId: string): string => `${reservationStreamPrefix}${txId}`;

export const isLedgerEvent = (streamId: string, type: string): boolean =>
  !streamId.startsWith('$') && !type.startsWith('$') && !streamId.startsWith(reservationStreamPrefix);

/**
 * The server-side filter for subscriptions: stream names starting with neither `$` nor `tx-` (a .NET
 * regex; the lookahead is supported there). Event types are checked again client-side by isLedgerEvent.
 */
export const ledgerStreamsRegex = '^(?!\\$|tx-)';
export const ledgerStreamsFilter = () => streamNameFilter({ regex: ledgerStreamsRegex });
