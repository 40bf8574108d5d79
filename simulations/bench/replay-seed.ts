import { randomUUID } from 'node:crypto';
import type { SqlClient } from '../../event-store/index.ts';
import { eventHash, formatMoney, fromFen, genesisHash } from '../../ledger-core/index.ts';

// Seeds a Postgres event store with a realistic, hash-chained, projectable log, fast: many accounts
// interleaved in the global log, each opened, then cycling top-up, charges, a refund and a bill; plus
// the merchants they buy from. Written with multi-row inserts, bypassing the command handler (the
// benchmark measures replay, not appends).

/** Rows per INSERT: large enough to amortise the round trip, small enough for one parameter array. */
const seedInsertRows = 10_000;
const merchantCount = 20;
/** Events per account on average: a term's worth of campus card use. */
const eventsPerAccount = 50;
const eventSpacingMs = 5;

type Row = {
  position: bigint;
  streamId: string;
  revision: number;
  type: string;
  data: Record<string, unknown>;
  txId: string | null;
  recordedAt: string;
};

type StreamHead = { revision: number; hash: string };

/** The repeating life of an account after it is opened; balances never go below zero (+36.50 a cycle). */
const accountCycle: Array<{ type: string; fen: bigint }> = [
  { type: 'ToppedUp', fen: 10_000n },
  { type: 'Charged', fen: 1_250n },
  { type: 'Charged', fen: 800n },
  { type: 'Refunded', fen: 200n },
  { type: 'BillPaid', fen: 3_000n },
  { type: 'Charged', fen: 1_500n },
];

const accountEventData = (accountId: string, step: number, lastChargeTxId: string | undefined) => {
  const txId = `${accountId}-${step}`;
  if (step === 0) {
    return {
      type: 'AccountOpened',
      txId: null,
      data: {
        accountId,
        holderName: `Student ${accountId}`,
        holderType: 'student',
        cardNo: `6222${accountId.replace(/\D/g, '').padStart(12, '0')}`,
        limits: { perTransaction: '500.00', daily: '1000.00' },
        offlineLimit: '50.00',
      },
    };
  }
  const move = accountCycle[(step - 1) % accountCycle.length] as { type: string; fen: bigint };
  const amount = formatMoney(fromFen(move.fen));
  const merchantId = `merchant-${step % merchantCount}`;
  switch (move.type) {
    case 'ToppedUp':
      return { type: move.type, txId, data: { txId, amount, channel: 'wechat', externalRef: `ord-${txId}` } };
    case 'Charged':
      return { type: move.type, txId, data: { txId, amount, merchantId, offline: false } };
    case 'Refunded':
      return { type: move.type, txId, data: { txId, chargeTxId: lastChargeTxId, amount } };
    default:
      return { type: move.type, txId, data: { txId, amount, payee: 'electricity', billRef: `bill-${txId}` } };
  }
};

export const seedReplayLog = async (sql: SqlClient, events: number, startAt = '2025-03-03T00:00:00.000Z') => {
  const heads = new Map<string, StreamHead>();
  const lastCharge = new Map<string, string>();
  const accounts = Math.max(1, Math.ceil((events - merchantCount) / eventsPerAccount));
  const startMs = Date.parse(startAt);
  let position = 0n;
  let pending: Row[] = [];

  const flush = async () => {
    if (pending.length === 0) return;
    const hashed = pending.map((row) => {
      const prevHash = heads.get(row.streamId)?.hash ?? genesisHash;
      const hash = eventHash(prevHash, row.revision, row.type, row.data);
      heads.set(row.streamId, { revision: row.revision, hash });
      const metadata = {
        schemaVersion: 1,
        ...(row.txId ? { txId: row.txId } : {}),
        correlationId: `bench-${row.position}`,
        causationId: `bench-${row.position}`,
        actor: { type: 'system', id: 'replay-bench' },
        occurredAt: row.recordedAt,
        recordedAt: row.recordedAt,
        prevHash,
        hash,
      };
      return { row, metadata };
    });
    await sql.query(
      `INSERT INTO ledger_events (position, event_id, stream_id, revision, type, data, metadata, tx_id, recorded_at)
       SELECT position, event_id, stream_id, revision, type, data, metadata, tx_id, recorded_at
         FROM jsonb_to_recordset($1::jsonb) AS e(position bigint, event_id uuid, stream_id text, revision integer,
              type text, data jsonb, metadata jsonb, tx_id text, recorded_at timestamptz)`,
      [
        JSON.stringify(
          hashed.map(({ row, metadata }) => ({
            position: row.position.toString(),
            event_id: randomUUID(),
            stream_id: row.streamId,
            revision: row.revision,
            type: row.type,
            data: row.data,
            metadata,
            tx_id: row.txId,
            recorded_at: row.recordedAt,
          })),
        ),
      ],
    );
    pending = [];
  };

  const revisions = new Map<string, number>();
  const push = async (streamId: string, type: string, data: Record<string, unknown>, txId: string | null) => {
    position += 1n;
    const revision = (revisions.get(streamId) ?? -1) + 1;
    revisions.set(streamId, revision);
    const recordedAt = new Date(startMs + Number(position) * eventSpacingMs).toISOString();
    pending.push({ position, streamId, revision, type, data, txId, recordedAt });
    if (pending.length >= seedInsertRows) await flush();
  };

  for (let index = 0; index < merchantCount && position < BigInt(events); index += 1) {
    const merchantId = `merchant-${index}`;
    await push(
      `merchant-${merchantId}`,
      'MerchantRegistered',
      { merchantId, name: `Canteen ${index}`, category: 'canteen' },
      null,
    );
  }
  const steps = new Array<number>(accounts).fill(0);
  let account = 0;
  while (position < BigInt(events)) {
    const accountId = `acct${account}`;
    const step = steps[account] as number;
    const { type, txId, data } = accountEventData(accountId, step, lastCharge.get(accountId));
    if (type === 'Charged') lastCharge.set(accountId, txId as string);
    await push(`account-${accountId}`, type, data, txId);
    steps[account] = step + 1;
    account = (account + 1) % accounts;
  }
  await flush();

  await sql.query('UPDATE ledger_head SET position = $1, recorded_at = $2 WHERE id = 1', [
    position.toString(),
    new Date(startMs + Number(position) * eventSpacingMs).toISOString(),
  ]);
  await sql.query('ANALYZE ledger_events');
  return { events: Number(position), accounts, merchants: merchantCount };
};
