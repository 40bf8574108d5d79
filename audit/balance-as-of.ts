import {
  balanceEffectOf,
  type EventStore,
  formatMoney,
  type Position,
  zeroMoney,
} from '../ledger-core/index.ts';
import { positionAsOf } from './positions.ts';

// A point-in-time balance straight from the event log: the account stream's money events up to a
// global position, folded. This is what `GET /v1/accounts/{id}/balance?asOf=` answers and what a
// replay to the same position must agree with.

export type PointInTime = { asOf: Date } | { position: Position };

export type BalanceAsOf = {
  accountId: string;
  /** False when the account had not been opened by then. */
  exists: boolean;
  balance: string;
  /** The global position the answer stands at (for `asOf`, the last event recorded by then). */
  position: Position;
  /** The account stream's last revision at or before the position; -1 when none. */
  revision: number;
};

const streamPageSize = 5_000;

export type BalanceAsOfOptions = {
  store: Pick<EventStore, 'readStream' | 'readAll' | 'headPosition'>;
  accountId: string;
} & PointInTime;

export const balanceAsOf = async (options: BalanceAsOfOptions): Promise<BalanceAsOf> => {
  const { store, accountId } = options;
  const position = 'position' in options ? options.position : await positionAsOf(store, options.asOf);
  const streamId = `account-${accountId}`;
  let balance = zeroMoney;
  let revision = -1;
  for (;;) {
    const page = await store.readStream(streamId, { fromRevision: revision + 1, maxCount: streamPageSize });
    const upToPoint = page.filter((event) => event.position <= position);
    for (const event of upToPoint) {
      balance = balance.plus(balanceEffectOf(event));
      revision = event.revision;
    }
    // A stream's positions grow with its revisions, so the first event past the point ends the fold.
    if (upToPoint.length < page.length || page.length < streamPageSize) break;
  }
  return { accountId, exists: revision >= 0, balance: formatMoney(balance), position, revision };
};
