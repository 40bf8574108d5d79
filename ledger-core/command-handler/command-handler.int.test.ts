import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  handlerOn,
  ledgerCommand,
  openPostgresLedger,
  type PostgresLedger,
  testContext,
} from '../../testing/ledger-store.ts';
import { serviceAvailable } from '../../testing/services.ts';
import type { AccountState } from '../account/state.ts';
import { formatMoney, money, zeroMoney } from '../money.ts';
import { type CommandHandler, type CommandOutcome, createCommandHandler } from './command-handler.ts';

// The command handler on the real Postgres event store: concurrency, late duplicates, restarts and two
// processes on one store.

const postgresUp = await serviceAvailable('postgres');

const open = (accountId: string) =>
  ledgerCommand({
    type: 'OpenAccount',
    accountId,
    holderName: accountId,
    holderType: 'student',
    cardNo: '62000000001',
  });
const topUp = (accountId: string, txId: string, amount: string) =>
  ledgerCommand({ type: 'TopUp', accountId, txId, amount, channel: 'cash' });
const charge = (accountId: string, txId: string, amount: string) =>
  ledgerCommand({ type: 'Charge', accountId, txId, amount, merchantId: 'canteen' });

const settle = (promise: Promise<CommandOutcome>) =>
  promise.then(
    (outcome) => ({ outcome, code: undefined }),
    (error: { code?: string }) => ({ outcome: undefined, code: error.code ?? String(error) }),
  );

describe.skipIf(!postgresUp)('command handler on Postgres', () => {
  let ledger: PostgresLedger;
  let handler: CommandHandler;

  beforeAll(async () => {
    ledger = await openPostgresLedger();
    handler = handlerOn(ledger.store);
    await handler.handle(
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
    await handler.close();
    await ledger.cleanup();
  });

  it('I2: 50 concurrent charges against one account accept exactly what the balance covers', async () => {
    await handler.handle(open('c50'), testContext);
    await handler.handle(topUp('c50', 'c50-fund', '100.00'), testContext);
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, index) =>
        settle(handler.handle(charge('c50', `c50-${index}`, '3.00'), testContext)),
      ),
    );
    const accepted = results.flatMap((result) => (result.outcome ? [result.outcome] : []));
    expect(accepted).toHaveLength(33);
    expect(results.filter((result) => result.code === 'insufficient_funds')).toHaveLength(17);
    expect(accepted.map((outcome) => outcome.balance).sort()).toEqual(
      Array.from({ length: 33 }, (_, index) =>
        formatMoney(money('100').minus(money('3').times(index + 1))),
      ).sort(),
    );
    const stream = await ledger.store.readStream('account-c50');
    expect(stream.filter((event) => event.type === 'Charged')).toHaveLength(33);
    expect((await handler.load('account-c50')).state).toMatchObject({ revision: 34 });
  });

  // Two processes hammering one stream is a race the process with the fresh cache keeps winning; the other's
  // command gives up after maxConflictRetries with concurrency_conflict (409, retry) and writes nothing.
  it('I2: 50 concurrent charges from two processes against one account never overdraw it', async () => {
    const other = handlerOn(ledger.connect().store);
    await handler.handle(open('c50b'), testContext);
    await handler.handle(topUp('c50b', 'c50b-fund', '100.00'), testContext);
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, index) =>
        settle((index % 2 ? other : handler).handle(charge('c50b', `c50b-${index}`, '3.00'), testContext)),
      ),
    );
    await other.close();
    const accepted = results.filter((result) => result.outcome).length;
    const refused = results.filter((result) => result.code === 'insufficient_funds').length;
    const gaveUp = results.filter((result) => result.code === 'concurrency_conflict').length;
    expect(accepted + refused + gaveUp).toBe(50);
    expect(accepted).toBeGreaterThan(0);
    expect(accepted).toBeLessThanOrEqual(33);
    if (gaveUp === 0) expect(accepted).toBe(33);
    const stream = await ledger.store.readStream('account-c50b');
    expect(stream.filter((event) => event.type === 'Charged')).toHaveLength(accepted);
    const state = (await handlerOn(ledger.store).load('account-c50b')).state as AccountState;
    expect(formatMoney(state.balance)).toBe(formatMoney(money('100').minus(money('3').times(accepted))));
  });

  it('I5: a duplicate after 100,000 other transactions and a restart returns the original outcome', async () => {
    await handler.handle(open('late'), testContext);
    const original = await handler.handle(topUp('late', 'late-original', '250.00'), testContext);
    await handler.handle(charge('late', 'late-after', '20.00'), testContext);
    await Promise.all(
      Array.from({ length: 200 }, (_, index) =>
        handler.handle(topUp('late', `late-more-${index}`, '1.00'), testContext),
      ),
    );
    // 100,000 further transactions of other accounts, written straight into the log as a running
    // ledger would have (one ToppedUp per stream, each with its txId), to make the duplicate truly late.
    await ledger.sql.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO ledger_events (position, event_id, stream_id, revision, type, data, metadata, tx_id, recorded_at)
         SELECT head.position + n, gen_random_uuid(), 'account-bulk-' || n, 0, 'ToppedUp',
                jsonb_build_object('txId', 'bulk-' || n, 'amount', '1.00', 'channel', 'cash'),
                jsonb_build_object('schemaVersion', 1, 'txId', 'bulk-' || n, 'correlationId', 'bulk',
                  'causationId', 'bulk', 'actor', jsonb_build_object('type', 'system', 'id', 'bulk'),
                  'occurredAt', now(), 'recordedAt', now(), 'prevHash', repeat('0', 64), 'hash', repeat('0', 64)),
                'bulk-' || n, now()
           FROM ledger_head head, generate_series(1, 100000) AS n`,
      );
      await tx.query('UPDATE ledger_head SET position = position + 100000');
    });
    const headBefore = await ledger.store.headPosition();

    const restarted = handlerOn(ledger.connect().store);
    const replay = await restarted.handle(topUp('late', 'late-original', '250.00'), testContext);
    expect(replay).toMatchObject({
      replayed: true,
      txId: 'late-original',
      balance: original.balance,
      position: original.position,
      events: [],
    });
    await expect(
      restarted.handle(topUp('late', 'late-original', '250.01'), testContext),
    ).rejects.toMatchObject({
      code: 'idempotency_conflict',
    });
    await handler.handle(open('late-other'), testContext);
    await expect(
      restarted.handle(topUp('late-other', 'bulk-99999', '1.00'), testContext),
    ).rejects.toMatchObject({
      code: 'idempotency_conflict',
    });
    await expect(
      restarted.handle(topUp('late-other', 'late-original', '250.00'), testContext),
    ).rejects.toMatchObject({
      code: 'idempotency_conflict',
    });
    expect(await ledger.store.headPosition()).toBe(headBefore + 1n);
    await restarted.close();
  });

  it('decides the next batch while the last one commits, and never has one stream in two appends', async () => {
    const accounts = Array.from({ length: 40 }, (_, index) => `pipe-${index}`);
    for (const accountId of accounts) {
      await handler.handle(open(accountId), testContext);
      await handler.handle(topUp(accountId, `${accountId}-fund`, '50.00'), testContext);
    }
    type Call = { streams: string[]; done: boolean };
    const calls: Call[] = [];
    let releaseFirst: () => void = () => undefined;
    const firstHeld = new Promise<void>((resolve) => {
      releaseFirst = resolve;
    });
    const pipelined = createCommandHandler({
      store: {
        ...ledger.store,
        appendBatch: async (requests) => {
          const call: Call = { streams: requests.map((request) => request.streamId), done: false };
          calls.push(call);
          if (calls.length === 1) await firstHeld;
          for (const other of calls) {
            if (other !== call && !other.done) {
              expect(other.streams.filter((stream) => call.streams.includes(stream))).toEqual([]);
            }
          }
          const outcomes = await ledger.store.appendBatch(requests);
          call.done = true;
          return outcomes;
        },
      },
      timeZone: 'Asia/Shanghai',
    });
    await Promise.all(accounts.map((accountId) => pipelined.load(`account-${accountId}`)));
    const outcomes = Promise.all([
      ...accounts.map((accountId) =>
        pipelined.handle(charge(accountId, `${accountId}-a`, '1.00'), testContext),
      ),
      pipelined.handle(charge('pipe-0', 'pipe-0-b', '1.00'), testContext),
    ]);
    await expect.poll(() => calls.length).toBe(2);
    expect(calls[0]?.done).toBe(false);
    releaseFirst();
    const answered = await outcomes;
    expect(answered.at(-1)?.balance).toBe('48.00');
    const appended = calls.flatMap((call) => call.streams);
    expect(appended).toHaveLength(41);
    expect(appended.filter((stream) => stream === 'account-pipe-0')).toHaveLength(2);
    await pipelined.close();
  });

  it('a refused command appends nothing', async () => {
    await handler.handle(open('refused'), testContext);
    const head = await ledger.store.headPosition();
    await expect(handler.handle(charge('refused', 'refused-1', '1.00'), testContext)).rejects.toMatchObject({
      code: 'insufficient_funds',
    });
    await expect(handler.handle(charge('nobody', 'refused-2', '1.00'), testContext)).rejects.toMatchObject({
      code: 'account_not_found',
    });
    await expect(
      handler.handle(
        ledgerCommand({ type: 'Charge', accountId: 'refused', txId: 'r3', amount: '1', merchantId: 'ghost' }),
        testContext,
      ),
    ).rejects.toMatchObject({ code: 'merchant_not_found' });
    expect(await ledger.store.headPosition()).toBe(head);
    expect(await ledger.store.readStream('account-refused')).toHaveLength(1);
  });

  describe('two processes on one store', () => {
    let first: CommandHandler;
    let second: CommandHandler;
    /** Append requests each process sent, including those the store refused as stale. */
    const appendRequests = { first: 0, second: 0 };
    const process = (name: keyof typeof appendRequests) =>
      createCommandHandler({
        store: ledger.connect().store,
        timeZone: 'Asia/Shanghai',
        observer: {
          onAppend: ({ commands }) => {
            appendRequests[name] += commands;
          },
        },
      });
    beforeAll(() => {
      first = process('first');
      second = process('second');
    });
    afterAll(async () => {
      await first.close();
      await second.close();
    });

    it('re-decides a refusal made on a stale cached state (the other process topped up meanwhile)', async () => {
      await first.handle(open('stale-refusal'), testContext);
      await second.handle(topUp('stale-refusal', 'sr-top', '50.00'), testContext);
      const charged = await first.handle(charge('stale-refusal', 'sr-charge', '10.00'), testContext);
      expect(charged).toMatchObject({ balance: '40.00', replayed: false });
    });

    it('re-reads before answering "nothing to do" on a stale cached state (the other process froze it)', async () => {
      await first.handle(open('stale-no-op'), testContext);
      await second.handle(
        ledgerCommand({ type: 'FreezeAccount', accountId: 'stale-no-op', reason: 'lost wallet' }),
        testContext,
      );
      const unfrozen = await first.handle(
        ledgerCommand({ type: 'UnfreezeAccount', accountId: 'stale-no-op' }),
        testContext,
      );
      expect(unfrozen.events.map((event) => event.type)).toEqual(['AccountUnfrozen']);
    });

    it('retries an acceptance made on a stale cached state, and refuses it when the fresh state says so', async () => {
      await first.handle(open('stale-accept'), testContext);
      await first.handle(topUp('stale-accept', 'sa-top', '100.00'), testContext);
      await second.handle(charge('stale-accept', 'sa-other', '30.00'), testContext);
      await expect(
        first.handle(charge('stale-accept', 'sa-mine', '80.00'), testContext),
      ).rejects.toMatchObject({
        code: 'insufficient_funds',
      });
      expect(await first.handle(charge('stale-accept', 'sa-mine', '70.00'), testContext)).toMatchObject({
        balance: '0.00',
      });
    });

    it('moves money once when both processes receive the same txId at the same time', async () => {
      await first.handle(open('both'), testContext);
      await second.handle(topUp('both', 'both-warm', '1.00'), testContext);
      await first.load('account-both');
      const [a, b] = await Promise.all([
        first.handle(topUp('both', 'both-dup', '10.00'), testContext),
        second.handle(topUp('both', 'both-dup', '10.00'), testContext),
      ]);
      expect([a.replayed, b.replayed].sort()).toEqual([false, true]);
      expect(a).toMatchObject({ balance: '11.00', position: b.position });
      expect(b.balance).toBe('11.00');
      const events = await ledger.store.readStream('account-both');
      expect(events.filter((event) => event.metadata.txId === 'both-dup')).toHaveLength(1);
    });

    it('keeps balances consistent under interleaved writes of both processes to the same accounts', async () => {
      const accounts = ['mix-0', 'mix-1', 'mix-2'];
      for (const id of accounts) await first.handle(open(id), testContext);
      for (const id of accounts) await second.handle(topUp(id, `${id}-fund`, '50.00'), testContext);
      const requestsBefore = appendRequests.first + appendRequests.second;
      const results = await Promise.all(
        Array.from({ length: 120 }, (_, index) => {
          const id = accounts[index % accounts.length] as string;
          const via = index % 2 ? second : first;
          const command = index % 3 ? charge(id, `mix-${index}`, '4.00') : topUp(id, `mix-${index}`, '2.00');
          return settle(via.handle(command, testContext));
        }),
      );
      expect(
        results.filter(
          (result) =>
            result.code !== undefined &&
            result.code !== 'insufficient_funds' &&
            result.code !== 'concurrency_conflict',
        ),
      ).toEqual([]);
      for (const id of accounts) {
        const events = await ledger.store.readStream(`account-${id}`);
        let balance = zeroMoney;
        for (const event of events) {
          const amount = (event.data as { amount?: string }).amount ?? '0';
          if (event.type === 'ToppedUp') balance = balance.plus(amount);
          if (event.type === 'Charged') balance = balance.minus(amount);
          expect(balance.isNegative()).toBe(false);
        }
        const fresh = handlerOn(ledger.store);
        const state = (await fresh.load(`account-${id}`)).state as AccountState;
        expect(formatMoney(state.balance)).toBe(formatMoney(balance));
      }
      // Both processes wrote the same accounts, so some appends went out on stale cached revisions and
      // were refused by the store, then retried: more requests than accepted writes.
      const written = results.filter((result) => result.outcome).length;
      expect(appendRequests.first + appendRequests.second - requestsBefore).toBeGreaterThan(written);
    });
  });
});
