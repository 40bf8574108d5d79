import { jsonEvent, START } from '@eventstore/db-client';
import { describe, expect, it } from 'vitest';
import { appendToStream, verifyChain } from '../../ledger-core/index.ts';
import { eventStoreContract, testEvent } from '../contract.ts';
import type { EsdbClient } from './esdb-client.ts';
import { createEsdbEventStore } from './esdb-event-store.ts';
import { createFakeEsdbClient } from './fake-esdb-client.ts';
import {
  isLedgerEvent,
  ledgerStreamsRegex,
  reservationStreamOf,
  toEsdbReadPosition,
  toLedgerPosition,
} from './positions.ts';

// What can be checked of the EventStoreDB adapter without a server: the position and filter mapping, and
// the adapter's own logic (reservations, hash chain, group commit, paging, batching) against an in-memory
// stand-in of the client. esdb.int.test.ts runs the same contract against a real server when ESDB_URL is set.

/** An event as a ledger writer would have appended it concurrently (hash chain ignored: never verified here). */
const plainEvent = () => {
  const { type, data, metadata } = testEvent();
  return jsonEvent({
    type,
    data: data as never,
    metadata: { ...metadata, prevHash: '0'.repeat(64), hash: '0'.repeat(64) },
  });
};

const openOnFake = async () => {
  const client = createFakeEsdbClient();
  // A fresh EventStoreDB already holds system events; the ledger's log must never show them.
  client.appendSystemEvent('$$$settings', '$metadata');
  client.appendSystemEvent('$stats-127.0.0.1:2113', '$statsCollected');
  return { client, store: createEsdbEventStore({ client }) };
};

describe('EventStoreDB positions and filters', () => {
  it('maps a committed prepare (commit = prepare) to its commit position, and back', () => {
    expect(toLedgerPosition({ commit: 4_711n, prepare: 4_711n }, 'e')).toBe(4_711n);
    expect(toEsdbReadPosition(4_711n)).toEqual({ commit: 4_711n, prepare: 4_711n });
    expect(toEsdbReadPosition(0n)).toBe(START);
  });

  it('refuses positions it cannot order: legacy explicit transactions and unknown positions', () => {
    expect(() => toLedgerPosition({ commit: 900n, prepare: 700n }, 'e')).toThrow(/explicit transaction/);
    expect(() => toLedgerPosition(undefined, 'e')).toThrow(/22\.6/);
    expect(() => toLedgerPosition({ commit: 2n ** 64n - 1n, prepare: 2n ** 64n - 1n }, 'e')).toThrow(/22\.6/);
  });

  it('keeps ledger events and drops system events, system streams and txId reservations', () => {
    expect(isLedgerEvent('account-1', 'Charged')).toBe(true);
    expect(isLedgerEvent('$$account-1', '$metadata')).toBe(false);
    expect(isLedgerEvent('$ce-account', '$>')).toBe(false);
    expect(isLedgerEvent('account-1', '$streamDeleted')).toBe(false);
    expect(isLedgerEvent(reservationStreamOf('pos-1-17'), 'TxReserved')).toBe(false);
    const serverFilter = new RegExp(ledgerStreamsRegex);
    expect(['account-1', 'merchant-m', 'device-d', 'stx-1'].every((id) => serverFilter.test(id))).toBe(true);
    expect(['$all', '$$account-1', 'tx-abc'].some((id) => serverFilter.test(id))).toBe(false);
  });
});

describe('EventStoreDB adapter over an in-memory stand-in', () => {
  eventStoreContract('esdb (in-memory stand-in)', async () => {
    const { store } = await openOnFake();
    return { store, cleanup: () => store.close() };
  });

  it('gives every event of a multi-event append its own position, read back after the append', async () => {
    const { store } = await openOnFake();
    const result = await appendToStream(
      store,
      'account-multi',
      [testEvent(), testEvent(), testEvent()],
      'no_stream',
    );
    const read = await store.readStream('account-multi');
    expect(result.events.map((event) => event.position)).toEqual(read.map((event) => event.position));
    expect(new Set(read.map((event) => event.position)).size).toBe(3);
  });

  it('chains concurrent `any` appends to one stream on their true predecessors', async () => {
    const { store } = await openOnFake();
    await Promise.all(
      Array.from({ length: 6 }, () => appendToStream(store, 'account-any', [testEvent()], 'any')),
    );
    const read = await store.readStream('account-any');
    expect(read.map((event) => event.revision)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(
      verifyChain(
        read.map((event) => ({ ...event, prevHash: event.metadata.prevHash, hash: event.metadata.hash })),
      ),
    ).toBeUndefined();
  });

  it('chains an `any` append again when another process appended between reading the head and writing', async () => {
    const fake = createFakeEsdbClient();
    const otherProcess = createEsdbEventStore({ client: fake });
    let interfered = false;
    const client: EsdbClient = {
      ...fake,
      appendToStream: async (streamId, events, options) => {
        if (streamId === 'account-contended' && !interfered) {
          interfered = true;
          await appendToStream(otherProcess, 'account-contended', [testEvent()], 'any');
        }
        return fake.appendToStream(streamId, events, options);
      },
    };
    const store = createEsdbEventStore({ client });
    await appendToStream(store, 'account-contended', [testEvent()], 'any');
    const read = await store.readStream('account-contended');
    expect(interfered).toBe(true);
    expect(read.map((event) => event.revision)).toEqual([0, 1]);
    expect(
      verifyChain(
        read.map((event) => ({ ...event, prevHash: event.metadata.prevHash, hash: event.metadata.hash })),
      ),
    ).toBeUndefined();
  });

  it('appends a txId again on its stream when a concurrent writer made the first append fail after reserving', async () => {
    const fake = createFakeEsdbClient();
    let interfered = false;
    const client: EsdbClient = {
      ...fake,
      appendToStream: async (streamId, events, options) => {
        const result = await fake.appendToStream(streamId, events, options);
        if (streamId === reservationStreamOf('tx-race') && !interfered) {
          interfered = true;
          await fake.appendToStream('account-r', [plainEvent()], { expectedRevision: 'any' });
        }
        return result;
      },
    };
    const store = createEsdbEventStore({ client });
    await appendToStream(store, 'account-r', [testEvent()], 'no_stream');
    const [first] = await store.appendBatch([
      { streamId: 'account-r', expectedRevision: 0, events: [testEvent('Charged', 'tx-race')] },
    ]);
    expect(first).toMatchObject({ ok: false, reason: 'wrong_expected_revision', actualRevision: 1 });
    expect(await store.findTransaction('tx-race')).toBeUndefined();
    const retried = await appendToStream(store, 'account-r', [testEvent('Charged', 'tx-race')], 1);
    expect(retried.events[0]?.revision).toBe(2);
    expect(await store.findTransaction('tx-race')).toMatchObject({ streamId: 'account-r', revision: 2 });
  });

  it('treats a reservation without its event as unrecorded on that stream, and as taken on any other', async () => {
    const { client, store } = await openOnFake();
    await appendToStream(store, 'account-o', [testEvent()], 'no_stream');
    // The window a crash leaves: the reservation was written, the account append never happened.
    await client.appendToStream(
      reservationStreamOf('tx-crashed'),
      jsonEvent({
        type: 'TxReserved',
        data: { txId: 'tx-crashed', streamId: 'account-o', firstRevision: 1 },
      }),
      { expectedRevision: 'no_stream' },
    );
    expect(await store.findTransaction('tx-crashed')).toBeUndefined();
    const [elsewhere] = await store.appendBatch([
      { streamId: 'account-p', expectedRevision: 'no_stream', events: [testEvent('Charged', 'tx-crashed')] },
    ]);
    expect(elsewhere).toMatchObject({ ok: false, reason: 'duplicate_tx', existingStreamId: 'account-o' });
    const retried = await appendToStream(store, 'account-o', [testEvent('Charged', 'tx-crashed')], 0);
    expect(retried.events[0]?.revision).toBe(1);
    expect(await store.findTransaction('tx-crashed')).toMatchObject({ streamId: 'account-o', revision: 1 });
    const [again] = await store.appendBatch([
      { streamId: 'account-o', expectedRevision: 'any', events: [testEvent('Charged', 'tx-crashed')] },
    ]);
    expect(again).toMatchObject({ ok: false, reason: 'duplicate_tx', existingStreamId: 'account-o' });
  });

  it('pages through $all past more reservation and system events than one page holds', async () => {
    const { client, store } = await openOnFake();
    for (let index = 0; index < 700; index += 1) client.appendSystemEvent('$stats-node', '$statsCollected');
    const [written] = await store.appendBatch([
      { streamId: 'account-late', expectedRevision: 'no_stream', events: [testEvent()] },
    ]);
    const all = await store.readAll({ fromPosition: 0n, maxCount: 10 });
    expect(all.map((event) => event.streamId)).toEqual(['account-late']);
    expect(written?.ok && (await store.headPosition())).toBe(all[0]?.position);
    for (let index = 0; index < 700; index += 1) client.appendSystemEvent('$stats-node', '$statsCollected');
    expect(await store.headPosition()).toBe(all[0]?.position);
  });
});
