import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceAvailable } from '../testing/services.ts';
import { type AuditLedger, openAuditLedger } from './testing.ts';
import { chainsVerify, verifyStoreChains } from './verify-chain.ts';

const postgresUp = await serviceAvailable('postgres');

describe.skipIf(!postgresUp)('verify-chain on Postgres (I9)', () => {
  let ledger: AuditLedger;
  const positionOf = async (streamId: string, revision: number): Promise<bigint> => {
    const [row] = await ledger.sql.query<{ position: string }>(
      'SELECT position::text AS position FROM ledger_events WHERE stream_id = $1 AND revision = $2',
      [streamId, revision],
    );
    return BigInt(row?.position ?? -1);
  };

  beforeAll(async () => {
    ledger = await openAuditLedger();
    await ledger.run({
      type: 'RegisterMerchant',
      merchantId: 'canteen',
      name: 'Canteen',
      category: 'canteen',
    });
    for (const id of ['a', 'b', 'c', 'd', 'e', 'f']) {
      await ledger.run({
        type: 'OpenAccount',
        accountId: id,
        holderName: `Holder ${id}`,
        holderType: 'student',
        cardNo: `6222000000${id.charCodeAt(0)}`,
      });
      await ledger.run({
        type: 'TopUp',
        accountId: id,
        txId: `top-${id}`,
        amount: '100.00',
        channel: 'wechat',
        externalRef: `ord-${id}`,
      });
      await ledger.run({
        type: 'Charge',
        accountId: id,
        txId: `chg-${id}`,
        amount: '12.50',
        merchantId: 'canteen',
      });
      await ledger.run({
        type: 'TopUp',
        accountId: id,
        txId: `top2-${id}`,
        amount: '20.00',
        channel: 'cash',
      });
    }
  });
  afterAll(async () => ledger?.cleanup());

  it('verifies an untouched ledger: every stream, every event, no gaps', async () => {
    const result = await verifyStoreChains({ store: ledger.store });
    expect(chainsVerify(result)).toBe(true);
    expect(result.streamsChecked).toBe(7);
    expect(result.eventsChecked).toBe(25);
    expect(result.throughPosition).toBe(25n);
  });

  it('names an edited, a deleted, a revision-swapped and a position-swapped event, each on its stream', async () => {
    const edited = await positionOf('account-a', 2);
    await ledger.sql.query(
      `UPDATE ledger_events SET data = jsonb_set(data, '{amount}', '"1.50"') WHERE stream_id = 'account-a' AND revision = 2`,
    );
    const deleted = await positionOf('account-b', 1);
    const afterDeleted = await positionOf('account-b', 2);
    await ledger.sql.query(`DELETE FROM ledger_events WHERE stream_id = 'account-b' AND revision = 1`);
    const swappedFirst = await positionOf('account-c', 1);
    await ledger.sql.query(
      `UPDATE ledger_events SET revision = CASE revision WHEN 1 THEN -2 ELSE -1 END
        WHERE stream_id = 'account-c' AND revision IN (1, 2)`,
    );
    await ledger.sql.query(
      `UPDATE ledger_events SET revision = -revision WHERE stream_id = 'account-c' AND revision < 0`,
    );
    const [d1, d2] = [await positionOf('account-d', 1), await positionOf('account-d', 2)];
    await ledger.sql.query(
      `UPDATE ledger_events SET position = -position WHERE stream_id = 'account-d' AND revision IN (1, 2)`,
    );
    await ledger.sql.query(
      `UPDATE ledger_events SET position = CASE revision WHEN 1 THEN $1::bigint ELSE $2::bigint END
        WHERE stream_id = 'account-d' AND revision IN (1, 2)`,
      [d2.toString(), d1.toString()],
    );

    const result = await verifyStoreChains({ store: ledger.store, batchSize: 4 });
    expect(chainsVerify(result)).toBe(false);
    expect(
      result.breaks.map(({ streamId, revision, position, problem }) => ({
        streamId,
        revision,
        position,
        problem,
      })),
    ).toEqual([
      { streamId: 'account-a', revision: 2, position: edited, problem: 'hash_mismatch' },
      { streamId: 'account-b', revision: 2, position: afterDeleted, problem: 'revision_gap' },
      { streamId: 'account-c', revision: 2, position: swappedFirst, problem: 'revision_gap' },
      { streamId: 'account-d', revision: 2, position: d1, problem: 'revision_gap' },
    ]);
    expect(result.missingPositions).toEqual([{ first: deleted, last: deleted }]);

    // One stream at a time the store reads in revision order: the swaps show as a broken link or as
    // positions out of order.
    const c = await verifyStoreChains({ store: ledger.store, streamId: 'account-c' });
    expect(c.breaks).toMatchObject([{ streamId: 'account-c', revision: 1, problem: 'prev_hash_mismatch' }]);
    const d = await verifyStoreChains({ store: ledger.store, streamId: 'account-d' });
    expect(d.breaks).toMatchObject([
      { streamId: 'account-d', revision: 2, position: d1, problem: 'position_order' },
    ]);
    const e = await verifyStoreChains({ store: ledger.store, streamId: 'account-e' });
    expect(chainsVerify(e)).toBe(true);
    expect(e.eventsChecked).toBe(4);
  });

  it('notices the removal of the last events of the log, which no chain can show', async () => {
    const last = await ledger.store.headPosition();
    await ledger.sql.query('DELETE FROM ledger_events WHERE position >= $1', [(last - 1n).toString()]);
    const result = await verifyStoreChains({ store: ledger.store });
    expect(result.missingPositions.at(-1)).toEqual({ first: last - 1n, last });
  });
});
