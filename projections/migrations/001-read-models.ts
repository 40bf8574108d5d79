import type { Knex } from 'knex';
import type { ReadModelMigration } from './migration.ts';

// The first read-model schema. Money is numeric(20,2); positions are bigint global positions of the
// event store; every instant is timestamptz.

const money = 'numeric(20,2)';

const statements = [
  `CREATE TABLE account_balances (
     account_id            text PRIMARY KEY,
     holder_name           text NOT NULL,
     holder_type           text NOT NULL,
     status                text NOT NULL CHECK (status IN ('open', 'frozen', 'closed')),
     card_status           text NOT NULL CHECK (card_status IN ('active', 'lost')),
     card_masked           text NOT NULL,
     balance               ${money} NOT NULL,
     debt                  ${money} NOT NULL CHECK (debt >= 0),
     daily_day             date,
     daily_spent           ${money} NOT NULL,
     per_transaction_limit ${money} NOT NULL,
     daily_limit           ${money} NOT NULL,
     offline_limit         ${money} NOT NULL,
     revision              integer NOT NULL,
     position              bigint NOT NULL,
     updated_at            timestamptz NOT NULL
   )`,
  `CREATE TABLE account_transactions (
     account_id    text NOT NULL,
     position      bigint NOT NULL,
     tx_id         text NOT NULL,
     type          text NOT NULL CHECK (type IN ('top-up', 'charge', 'refund', 'bill-payment', 'close')),
     amount        ${money} NOT NULL,
     balance_after ${money} NOT NULL,
     occurred_at   timestamptz NOT NULL,
     recorded_at   timestamptz NOT NULL,
     merchant_id   text,
     device_id     text,
     channel       text,
     payee         text,
     bill_ref      text,
     external_ref  text,
     charge_tx_id  text,
     offline       boolean NOT NULL DEFAULT false,
     PRIMARY KEY (account_id, position)
   )`,
  // A txId moves money once in the whole ledger (I5); refunds look up their charge by it.
  'CREATE UNIQUE INDEX account_transactions_tx_id ON account_transactions (tx_id)',
  `CREATE TABLE merchant_sales (
     merchant_id    text NOT NULL,
     hour           timestamptz NOT NULL,
     charges_count  integer NOT NULL,
     charges_amount ${money} NOT NULL,
     refunds_count  integer NOT NULL,
     refunds_amount ${money} NOT NULL,
     PRIMARY KEY (merchant_id, hour)
   )`,
  `CREATE TABLE daily_totals (
     business_date date NOT NULL,
     dimension     text NOT NULL CHECK (dimension IN ('channel', 'merchant', 'payee', 'payout')),
     key           text NOT NULL,
     count         integer NOT NULL,
     amount        ${money} NOT NULL,
     PRIMARY KEY (business_date, dimension, key)
   )`,
  `CREATE TABLE journal_postings (
     position       bigint NOT NULL,
     posting_index  smallint NOT NULL,
     tx_id          text NOT NULL,
     ledger_account text NOT NULL,
     amount         ${money} NOT NULL,
     business_date  date NOT NULL,
     recorded_at    timestamptz NOT NULL,
     PRIMARY KEY (position, posting_index)
   )`,
  'CREATE INDEX journal_postings_ledger_account ON journal_postings (ledger_account, position)',
  `CREATE VIEW trial_balance AS
     SELECT ledger_account, sum(amount)::${money} AS balance FROM journal_postings GROUP BY ledger_account`,
  `CREATE TABLE merchants (
     merchant_id text PRIMARY KEY,
     name        text NOT NULL,
     category    text NOT NULL,
     position    bigint NOT NULL
   )`,
  `CREATE TABLE devices (
     device_id   text PRIMARY KEY,
     merchant_id text NOT NULL,
     kind        text NOT NULL,
     key_id      text NOT NULL,
     status      text NOT NULL CHECK (status IN ('active', 'decommissioned')),
     position    bigint NOT NULL
   )`,
  `CREATE TABLE projection_checkpoints (
     projection text PRIMARY KEY,
     position   bigint NOT NULL,
     updated_at timestamptz NOT NULL
   )`,
  `CREATE TABLE relay_checkpoints (
     relay      text PRIMARY KEY,
     position   bigint NOT NULL,
     updated_at timestamptz NOT NULL
   )`,
];

const dropped = [
  'relay_checkpoints',
  'projection_checkpoints',
  'devices',
  'merchants',
  'journal_postings',
  'daily_totals',
  'merchant_sales',
  'account_transactions',
  'account_balances',
];

export const readModelsV1: ReadModelMigration = {
  name: '001-read-models',
  up: async (knex: Knex) => {
    // One statement per call: PGlite's extended protocol takes one statement at a time.
    for (const statement of statements) await knex.raw(statement);
  },
  down: async (knex: Knex) => {
    await knex.raw('DROP VIEW IF EXISTS trial_balance');
    for (const table of dropped) await knex.raw(`DROP TABLE IF EXISTS ${table}`);
  },
};
