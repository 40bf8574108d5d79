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
import type { CommandHandler } from './command-handler.ts';

// Account states keep only their latest money moves (here 2). Older ones live in the store: a late
// duplicate, whatever the decider would answer it today, and a refund of an older charge are decided
// with the move read back, in the running process and after a restart.

const postgresUp = await serviceAvailable('postgres');
const recentMovesKept = 2;

const topUp = (txId: string, amount: string) =>
  ledgerCommand({ type: 'TopUp', accountId: 'older', txId, amount, channel: 'cash' });
const charge = (txId: string, amount: string) =>
  ledgerCommand({ type: 'Charge', accountId: 'older', txId, amount, merchantId: 'canteen' });
const refund = (txId: string, chargeTxId: string, amount: string) =>
  ledgerCommand({ type: 'Refund', accountId: 'older', txId, chargeTxId, amount });

describe.skipIf(!postgresUp)('command handler: money moves older than an account state keeps', () => {
  let ledger: PostgresLedger;
  let handler: CommandHandler;
  const windowed = (store = ledger.store) => handlerOn(store, { recentMovesKept });
  const handle = (on: CommandHandler, command: ReturnType<typeof ledgerCommand>) =>
    on.handle(command, testContext);

  beforeAll(async () => {
    ledger = await openPostgresLedger();
    handler = windowed();
    await handle(
      handler,
      ledgerCommand({
        type: 'RegisterMerchant',
        merchantId: 'canteen',
        name: 'Canteen',
        category: 'canteen',
      }),
    );
    await handle(
      handler,
      ledgerCommand({
        type: 'OpenAccount',
        accountId: 'older',
        holderName: 'Older',
        holderType: 'student',
        cardNo: '62000000009',
      }),
    );
  });
  afterAll(async () => {
    await handler.close();
    await ledger.cleanup();
  });

  it('answers a late duplicate with its original outcome even when the balance no longer covers it', async () => {
    await handle(handler, topUp('o-fund', '100.00'));
    const original = await handle(handler, charge('o-charge', '60.00'));
    for (const index of [1, 2, 3]) await handle(handler, topUp(`o-more-${index}`, '1.00'));
    const headBefore = await ledger.store.headPosition();

    for (const on of [handler, windowed(ledger.connect().store)]) {
      await expect(handle(on, charge('o-charge', '60.00'))).resolves.toMatchObject({
        replayed: true,
        balance: '40.00',
        position: original.position,
        revision: original.revision,
        events: [],
      });
      await expect(handle(on, charge('o-charge', '60.01'))).rejects.toMatchObject({
        code: 'idempotency_conflict',
      });
      await expect(handle(on, topUp('o-fund', '100.00'))).resolves.toMatchObject({
        replayed: true,
        balance: '100.00',
      });
    }
    expect(await ledger.store.headPosition()).toBe(headBefore);
  });

  it('refunds an older charge up to what is left of it, and replays an older refund', async () => {
    const first = await handle(handler, refund('o-refund-1', 'o-charge', '10.00'));
    expect(first.balance).toBe('53.00');
    for (const index of [4, 5, 6]) await handle(handler, topUp(`o-more-${index}`, '1.00'));

    const restarted = windowed(ledger.connect().store);
    await expect(handle(restarted, refund('o-refund-2', 'o-charge', '50.01'))).rejects.toMatchObject({
      code: 'refund_exceeds_charge',
    });
    await expect(handle(handler, refund('o-refund-1', 'o-charge', '10.00'))).resolves.toMatchObject({
      replayed: true,
      balance: '53.00',
      position: first.position,
    });
    await expect(handle(restarted, refund('o-refund-2', 'o-charge', '50.00'))).resolves.toMatchObject({
      replayed: false,
      balance: '106.00',
    });
    await expect(handle(handler, refund('o-refund-3', 'o-charge', '0.01'))).rejects.toMatchObject({
      code: 'refund_exceeds_charge',
    });
    await expect(handle(handler, refund('o-refund-4', 'o-unknown', '1.00'))).rejects.toMatchObject({
      code: 'charge_not_found',
    });
  });

  it('re-reads only what is new before a refusal is final, never the whole history', async () => {
    const reads: number[] = [];
    const counting = windowed({
      ...ledger.store,
      readStream: (streamId, options) => {
        if (streamId === 'account-older') reads.push(options?.fromRevision ?? 0);
        return ledger.store.readStream(streamId, options);
      },
    });
    const { state } = await counting.load('account-older');
    reads.length = 0;
    for (const index of [1, 2, 3]) {
      await expect(handle(counting, charge(`o-broke-${index}`, '200.00'))).rejects.toMatchObject({
        code: 'insufficient_funds',
      });
    }
    expect(reads).toEqual([state.revision + 1, state.revision + 1, state.revision + 1]);
    await counting.close();
  });

  it("keeps a refusal when the txId is another account's, as on an account that let no moves go", async () => {
    await handle(
      handler,
      ledgerCommand({
        type: 'OpenAccount',
        accountId: 'elsewhere',
        holderName: 'Elsewhere',
        holderType: 'student',
        cardNo: '62000000010',
      }),
    );
    await handle(
      handler,
      ledgerCommand({
        type: 'TopUp',
        accountId: 'elsewhere',
        txId: 'e-fund',
        amount: '1.00',
        channel: 'cash',
      }),
    );
    await expect(handle(handler, charge('e-fund', '200.00'))).rejects.toMatchObject({
      code: 'insufficient_funds',
    });
    await expect(handle(handler, charge('e-fund', '1.00'))).rejects.toMatchObject({
      code: 'idempotency_conflict',
    });
  });

  it('keeps its states bounded: only the latest moves stay in memory', async () => {
    const { state } = await handler.load('account-older');
    expect(state).toMatchObject({ moveCount: 10 });
    expect((state as AccountState).recentMoves).toHaveLength(recentMovesKept);
  });
});
