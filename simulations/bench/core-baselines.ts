import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { eventHash, genesisHash } from '../../ledger-core/index.ts';
import { type LoadFigures, runClosedLoop, seededRandom } from './load-loop.ts';
import type { UsageProbe } from './postgres-usage.ts';

// The two yardsticks of the core benchmark, on the same Postgres:
// - the CRUD baseline: one transaction per charge (UPDATE the balance if it covers the amount, INSERT
//   the transaction row), with a pool as large as the concurrency;
// - the ceiling: multi-row INSERTs of event rows shaped like the ledger's, into a copy of its table
//   (same indexes), on one connection — what the disk and indexes allow without any logic.

const insufficientFunds = Object.assign(new Error('insufficient funds'), { code: 'insufficient_funds' });

export const prepareCrudTables = async (client: pg.ClientBase, accounts: number) => {
  await client.query('CREATE TABLE balances (id text PRIMARY KEY, balance numeric(20,2) NOT NULL)');
  await client.query(
    `CREATE TABLE transactions (id bigserial PRIMARY KEY, tx_id text NOT NULL UNIQUE, account_id text NOT NULL,
       amount numeric(20,2) NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`,
  );
  await client.query(
    `INSERT INTO balances SELECT 'bench-' || n, 1000.00 FROM generate_series(0, $1::int - 1) AS n`,
    [accounts],
  );
};

const amountText = (random: () => number) => {
  const fen = 100 + Math.floor(random() * 400);
  return `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;
};

export const measureCrudCharges = async (options: {
  databaseUrl: string;
  applicationName: string;
  usage: UsageProbe;
  schema: string;
  accounts: number;
  concurrency: number;
  seconds: number;
}): Promise<LoadFigures & { postgresCpuMicrosecondsPerOperation: number | null }> => {
  const pool = new pg.Pool({
    connectionString: options.databaseUrl,
    max: options.concurrency,
    application_name: options.applicationName,
    options: `-c search_path=${options.schema}`,
  });
  const random = seededRandom(options.concurrency + 1_000);
  try {
    await options.usage.begin();
    const figures = await runClosedLoop({
      concurrency: options.concurrency,
      seconds: options.seconds,
      operation: async (caller, sequence) => {
        const accountId = `bench-${Math.floor(random() * options.accounts)}`;
        const amount = amountText(random);
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          const updated = await client.query(
            'UPDATE balances SET balance = balance - $1 WHERE id = $2 AND balance >= $1',
            [amount, accountId],
          );
          if (updated.rowCount !== 1) throw insufficientFunds;
          await client.query('INSERT INTO transactions (tx_id, account_id, amount) VALUES ($1, $2, $3)', [
            `crud-${options.concurrency}-${caller}-${sequence}`,
            accountId,
            amount,
          ]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw error;
        } finally {
          client.release();
        }
      },
    });
    return { ...figures, ...(await options.usage.end(figures.operations)) };
  } finally {
    await pool.end();
  }
};

const ceilingColumns = [
  'position',
  'event_id',
  'stream_id',
  'revision',
  'type',
  'data',
  'metadata',
  'tx_id',
  'recorded_at',
];

export const measureInsertCeiling = async (options: {
  databaseUrl: string;
  applicationName: string;
  usage: UsageProbe;
  schema: string;
  seconds: number;
  rowsPerStatement: number;
}) => {
  const client = new pg.Client({
    connectionString: options.databaseUrl,
    application_name: options.applicationName,
    options: `-c search_path=${options.schema}`,
  });
  await client.connect();
  try {
    await client.query('CREATE TABLE ceiling_events (LIKE ledger_events INCLUDING ALL)');
    await options.usage.begin();
    const placeholders = Array.from(
      { length: options.rowsPerStatement },
      (_, row) =>
        `(${ceilingColumns.map((_, column) => `$${row * ceilingColumns.length + column + 1}`).join(',')})`,
    ).join(',');
    const text = `INSERT INTO ceiling_events (${ceilingColumns.join(',')}) VALUES ${placeholders}`;
    let position = 0;
    const started = performance.now();
    const deadline = started + options.seconds * 1000;
    while (performance.now() < deadline) {
      const params: unknown[] = [];
      const recordedAt = new Date().toISOString();
      for (let row = 0; row < options.rowsPerStatement; row += 1) {
        position += 1;
        const txId = `ceiling-${position}`;
        const data = { txId, amount: '3.50', merchantId: 'bench-canteen', offline: false };
        const hash = eventHash(genesisHash, 0, 'Charged', data);
        const metadata = {
          schemaVersion: 1,
          txId,
          correlationId: 'bench-core',
          causationId: 'bench-core',
          actor: { type: 'system', id: 'bench-core' },
          occurredAt: recordedAt,
          recordedAt,
          prevHash: genesisHash,
          hash,
        };
        params.push(
          position,
          randomUUID(),
          `account-ceiling-${position}`,
          0,
          'Charged',
          data,
          metadata,
          txId,
          recordedAt,
        );
      }
      await client.query(text, params);
    }
    const seconds = (performance.now() - started) / 1000;
    return {
      rows: position,
      rowsPerStatement: options.rowsPerStatement,
      seconds: Math.round(seconds * 100) / 100,
      rowsPerSecond: Math.round(position / seconds),
      ...(await options.usage.end(position)),
    };
  } finally {
    await client.end();
  }
};
