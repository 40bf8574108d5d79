import type { Knex } from 'knex';
import type { Position } from '../../ledger-core/index.ts';
import { formatFen } from './fen.ts';
import type { AccountRow, BatchChanges, TransactionRow, TransferRow } from './rows.ts';

// Writes a batch's changes and its checkpoint with one statement: each read model gets one multi-row
// insert or upsert fed by a JSON array, one bind parameter each, the same on Postgres and PGlite.
// Postgres runs every data-modifying WITH part exactly once, whether or not anything reads it.
//
// The JSON is what a rebuild spends most of its time sending and parsing, so the three big arrays
// are lean: plain json (Postgres reads it about three times faster than jsonb for a one-off
// recordset), one-letter keys (named in the `AS j(…)` column lists), and no null fields (a missing
// key reads as NULL). A transfer travels once and becomes its two postings in SQL.

/** account_balances: a=account_id h=holder_name t=holder_type s=status c=card_status m=card_masked b=balance
 *  d=debt y=daily_day p=daily_spent l=per_transaction_limit i=daily_limit o=offline_limit r=revision
 *  n=position u=updated_at */
const accountRecord = (row: AccountRow) => ({
  a: row.accountId,
  h: row.holderName,
  t: row.holderType,
  s: row.status,
  c: row.cardStatus,
  m: row.cardMasked,
  b: formatFen(row.balance),
  d: formatFen(row.balance < 0n ? -row.balance : 0n),
  y: row.dailyDay,
  p: formatFen(row.dailySpent),
  l: formatFen(row.perTransactionLimit),
  i: formatFen(row.dailyLimit),
  o: formatFen(row.offlineLimit),
  r: row.revision,
  n: row.position.toString(),
  u: row.updatedAt,
});

/** account_transactions: a=account_id n=position x=tx_id t=type m=amount b=balance_after o=occurred_at
 *  r=recorded_at and, only when set, e=merchant_id v=device_id c=channel p=payee l=bill_ref
 *  f=external_ref g=charge_tx_id and z=offline (only when true). */
const transactionRecord = (row: TransactionRow) => {
  const record: Record<string, string | boolean> = {
    a: row.accountId,
    n: row.position.toString(),
    x: row.txId,
    t: row.type,
    m: formatFen(row.amount),
    b: formatFen(row.balanceAfter),
    o: row.occurredAt,
    r: row.recordedAt,
  };
  if (row.merchantId !== null) record.e = row.merchantId;
  if (row.deviceId !== null) record.v = row.deviceId;
  if (row.channel !== null) record.c = row.channel;
  if (row.payee !== null) record.p = row.payee;
  if (row.billRef !== null) record.l = row.billRef;
  if (row.externalRef !== null) record.f = row.externalRef;
  if (row.chargeTxId !== null) record.g = row.chargeTxId;
  if (row.offline) record.z = true;
  return record;
};

/** Transfers: n=position x=tx_id f=from account t=to account m=amount d=business_date r=recorded_at. */
const transferRecord = (row: TransferRow) => ({
  n: row.position.toString(),
  x: row.txId,
  f: row.from,
  t: row.to,
  m: formatFen(row.amount),
  d: row.businessDate,
  r: row.recordedAt,
});

const salesRecords = (changes: BatchChanges) =>
  [...changes.merchantSales.values()].map((row) => ({
    merchant_id: row.merchantId,
    hour: row.hour,
    charges_count: row.chargesCount,
    charges_amount: formatFen(row.chargesAmount),
    refunds_count: row.refundsCount,
    refunds_amount: formatFen(row.refundsAmount),
  }));

const dailyRecords = (changes: BatchChanges) =>
  [...changes.dailyTotals.values()].map((row) => ({
    business_date: row.businessDate,
    dimension: row.dimension,
    key: row.key,
    count: row.count,
    amount: formatFen(row.amount),
  }));

const merchantRecords = (changes: BatchChanges) =>
  [...changes.merchants.values()].map((row) => ({
    merchant_id: row.merchantId,
    name: row.name,
    category: row.category,
    position: row.position.toString(),
  }));

const deviceRecords = (changes: BatchChanges) =>
  [...changes.devices.values()].map((row) => ({
    device_id: row.deviceId,
    merchant_id: row.merchantId,
    kind: row.kind,
    key_id: row.keyId,
    status: row.status,
    position: row.position.toString(),
  }));

/** One data-modifying WITH part: its SQL (one bind parameter, a JSON array) and the array it takes. */
type WritePart = { sql: string; records: (changes: BatchChanges) => unknown[] };

const balancesPart: WritePart = {
  sql: `balances AS (
  INSERT INTO account_balances (account_id, holder_name, holder_type, status, card_status, card_masked, balance,
         debt, daily_day, daily_spent, per_transaction_limit, daily_limit, offline_limit, revision, position, updated_at)
  SELECT a, h, t, s, c, m, b, d, y, p, l, i, o, r, n, u
    FROM json_to_recordset(?::json) AS j(a text, h text, t text, s text, c text, m text, b numeric, d numeric,
         y date, p numeric, l numeric, i numeric, o numeric, r integer, n bigint, u timestamptz)
  ON CONFLICT (account_id) DO UPDATE SET holder_name = excluded.holder_name, holder_type = excluded.holder_type,
         status = excluded.status, card_status = excluded.card_status, card_masked = excluded.card_masked,
         balance = excluded.balance, debt = excluded.debt, daily_day = excluded.daily_day,
         daily_spent = excluded.daily_spent, per_transaction_limit = excluded.per_transaction_limit,
         daily_limit = excluded.daily_limit, offline_limit = excluded.offline_limit, revision = excluded.revision,
         position = excluded.position, updated_at = excluded.updated_at
)`,
  records: (changes) => [...changes.accounts.values()].map(accountRecord),
};

const transactionsPart: WritePart = {
  sql: `transactions AS (
  INSERT INTO account_transactions (account_id, position, tx_id, type, amount, balance_after, occurred_at, recorded_at,
         merchant_id, device_id, channel, payee, bill_ref, external_ref, charge_tx_id, offline)
  SELECT a, n, x, t, m, b, o, r, e, v, c, p, l, f, g, coalesce(z, false)
    FROM json_to_recordset(?::json) AS j(a text, n bigint, x text, t text, m numeric, b numeric, o timestamptz,
         r timestamptz, e text, v text, c text, p text, l text, f text, g text, z boolean)
)`,
  records: (changes) => changes.transactions.map(transactionRecord),
};

const postingsPart: WritePart = {
  sql: `postings AS (
  INSERT INTO journal_postings (position, posting_index, tx_id, ledger_account, amount, business_date, recorded_at)
  SELECT j.n, leg.posting_index, j.x, leg.ledger_account, leg.amount, j.d, j.r
    FROM json_to_recordset(?::json) AS j(n bigint, x text, f text, t text, m numeric, d date, r timestamptz)
   CROSS JOIN LATERAL (VALUES (0::smallint, j.f, -j.m), (1::smallint, j.t, j.m))
         AS leg(posting_index, ledger_account, amount)
)`,
  records: (changes) => changes.transfers.map(transferRecord),
};

const salesPart: WritePart = {
  sql: `sales AS (
  INSERT INTO merchant_sales AS s (merchant_id, hour, charges_count, charges_amount, refunds_count, refunds_amount)
  SELECT * FROM json_to_recordset(?::json) AS j(merchant_id text, hour timestamptz, charges_count integer,
         charges_amount numeric, refunds_count integer, refunds_amount numeric)
  ON CONFLICT (merchant_id, hour) DO UPDATE SET charges_count = s.charges_count + excluded.charges_count,
         charges_amount = s.charges_amount + excluded.charges_amount,
         refunds_count = s.refunds_count + excluded.refunds_count,
         refunds_amount = s.refunds_amount + excluded.refunds_amount
)`,
  records: salesRecords,
};

const totalsPart: WritePart = {
  sql: `totals AS (
  INSERT INTO daily_totals AS t (business_date, dimension, key, count, amount)
  SELECT * FROM json_to_recordset(?::json) AS j(business_date date, dimension text, key text, count integer,
         amount numeric)
  ON CONFLICT (business_date, dimension, key) DO UPDATE SET count = t.count + excluded.count,
         amount = t.amount + excluded.amount
)`,
  records: dailyRecords,
};

const merchantsPart: WritePart = {
  sql: `merchant_registry AS (
  INSERT INTO merchants (merchant_id, name, category, position)
  SELECT * FROM json_to_recordset(?::json) AS j(merchant_id text, name text, category text, position bigint)
  ON CONFLICT (merchant_id) DO UPDATE SET name = excluded.name, category = excluded.category,
         position = excluded.position
)`,
  records: merchantRecords,
};

const devicesPart: WritePart = {
  sql: `device_registry AS (
  INSERT INTO devices (device_id, merchant_id, kind, key_id, status, position)
  SELECT * FROM json_to_recordset(?::json) AS j(device_id text, merchant_id text, kind text, key_id text,
         status text, position bigint)
  ON CONFLICT (device_id) DO UPDATE SET merchant_id = excluded.merchant_id, kind = excluded.kind,
         key_id = excluded.key_id, status = excluded.status, position = excluded.position
)`,
  records: deviceRecords,
};

const checkpointUpdate =
  'UPDATE projection_checkpoints SET position = ?::bigint, updated_at = now() WHERE projection = ?';

const everyPart = [
  balancesPart,
  transactionsPart,
  postingsPart,
  salesPart,
  totalsPart,
  merchantsPart,
  devicesPart,
];
const allButPostings = everyPart.filter((part) => part !== postingsPart);

const statementOf = (parts: readonly WritePart[], main: string) =>
  `WITH ${parts.map((part) => part.sql).join(',\n')}\n${main}`;

const parametersOf = (parts: readonly WritePart[], changes: BatchChanges): string[] =>
  parts.map((part) => JSON.stringify(part.records(changes)));

export type Checkpoint = { projection: string; position: Position };

/** A batch's changes and its checkpoint, in one statement. */
export const writeChanges = async (
  trx: Knex.Transaction,
  changes: BatchChanges,
  checkpoint: Checkpoint,
): Promise<void> => {
  await trx.raw(statementOf(everyPart, checkpointUpdate), [
    ...parametersOf(everyPart, changes),
    checkpoint.position.toString(),
    checkpoint.projection,
  ]);
};

/**
 * The same writes in two statements that may run on two connections at once, for a sole writer that
 * can afford two transactions per batch (a rebuild, whose schema is dropped if it fails): the journal
 * postings, the largest table, and everything else with the checkpoint.
 */
export const splitWrites = {
  postings: async (trx: Knex.Transaction, changes: BatchChanges): Promise<void> => {
    await trx.raw(statementOf([postingsPart], 'SELECT 1'), parametersOf([postingsPart], changes));
  },
  rest: async (trx: Knex.Transaction, changes: BatchChanges, checkpoint: Checkpoint): Promise<void> => {
    await trx.raw(statementOf(allButPostings, checkpointUpdate), [
      ...parametersOf(allButPostings, changes),
      checkpoint.position.toString(),
      checkpoint.projection,
    ]);
  },
};
