import { describe, expect, it } from 'vitest';
import { appendToStream, verifyChain } from '../../ledger-core/index.ts';
import { serviceAvailable, serviceUrls, uniqueName } from '../../testing/services.ts';
import { testEvent } from '../contract.ts';
import { createPgClient } from './pg-client.ts';
import { migrateEventStoreSchema } from './schema.ts';
import { createSqlEventStore } from './sql-event-store.ts';

// ledger_append decides a batch of single-event requests on distinct streams and txIds in one set-based
// statement, and any other batch request by request. Both paths must give the same outcomes.

const postgresUp = await serviceAvailable('postgres');

describe.skipIf(!postgresUp)('ledger_append on Postgres', () => {
  it('settles a batch of one-event requests with every kind of outcome, chained and densely positioned', async () => {
    const schema = uniqueName('append');
    const sql = createPgClient({ connectionString: serviceUrls.postgres, schema });
    await migrateEventStoreSchema(sql, schema);
    const store = createSqlEventStore(sql);
    try {
      await appendToStream(store, 'account-old', [testEvent('ToppedUp', 'tx-old')], 'no_stream');
      const head = await store.headPosition();
      const outcomes = await store.appendBatch([
        { streamId: 'account-old', expectedRevision: 0, events: [testEvent('Charged', 'tx-1')] },
        { streamId: 'account-new', expectedRevision: 'no_stream', events: [testEvent('ToppedUp', 'tx-2')] },
        { streamId: 'account-stale', expectedRevision: 3, events: [testEvent()] },
        { streamId: 'account-missing', expectedRevision: 'stream_exists', events: [testEvent()] },
        { streamId: 'account-dup', expectedRevision: 'any', events: [testEvent('ToppedUp', 'tx-old')] },
        { streamId: 'account-any', expectedRevision: 'any', events: [testEvent()] },
      ]);
      expect(outcomes.map((outcome) => (outcome.ok ? 'ok' : outcome.reason))).toEqual([
        'ok',
        'ok',
        'wrong_expected_revision',
        'wrong_expected_revision',
        'duplicate_tx',
        'ok',
      ]);
      expect(outcomes[2]).toMatchObject({ actualRevision: 'no_stream' });
      expect(outcomes[4]).toMatchObject({ txId: 'tx-old', existingStreamId: 'account-old' });
      const positions = outcomes.flatMap((outcome) =>
        outcome.ok ? outcome.events.map((event) => event.position) : [],
      );
      expect(positions).toEqual([head + 1n, head + 2n, head + 3n]);
      const old = await store.readStream('account-old');
      expect(old.map((event) => event.metadata.txId)).toEqual(['tx-old', 'tx-1']);
      expect(
        verifyChain(
          old.map((event) => ({ ...event, prevHash: event.metadata.prevHash, hash: event.metadata.hash })),
        ),
      ).toBeUndefined();
      const returned = outcomes[0]?.ok ? outcomes[0].events[0] : undefined;
      expect(returned).toEqual(old[1]);
      expect(await store.readStream('account-stale')).toEqual([]);
      expect(await store.readStream('account-dup')).toEqual([]);
      expect(await store.headPosition()).toBe(head + 3n);

      // The same kinds of request in a batch that must go request by request (a stream twice).
      const sequential = await store.appendBatch([
        {
          streamId: 'account-seq',
          expectedRevision: 'no_stream',
          events: [testEvent('ToppedUp', 'tx-3'), testEvent()],
        },
        { streamId: 'account-seq', expectedRevision: 1, events: [testEvent('Charged', 'tx-4')] },
        { streamId: 'account-other', expectedRevision: 'any', events: [testEvent('Charged', 'tx-4')] },
        { streamId: 'account-old', expectedRevision: 0, events: [testEvent()] },
      ]);
      expect(sequential.map((outcome) => (outcome.ok ? 'ok' : outcome.reason))).toEqual([
        'ok',
        'ok',
        'duplicate_tx',
        'wrong_expected_revision',
      ]);
      expect(sequential[3]).toMatchObject({ actualRevision: 1 });
      const seq = await store.readStream('account-seq');
      expect(seq.map((event) => event.revision)).toEqual([0, 1, 2]);
      expect(
        verifyChain(
          seq.map((event) => ({ ...event, prevHash: event.metadata.prevHash, hash: event.metadata.hash })),
        ),
      ).toBeUndefined();
    } finally {
      await sql.query(`DROP SCHEMA ${schema} CASCADE`);
      await store.close();
    }
  });
});
