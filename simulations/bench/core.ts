import pg from 'pg';
import { createPgClient, createSqlEventStore, migrateEventStoreSchema } from '../../event-store/index.ts';
import { type Benchmark, numberParameter } from './benchmark.ts';
import { measureCrudCharges, measureInsertCeiling, prepareCrudTables } from './core-baselines.ts';
import {
  type AppendStats,
  createBenchHandler,
  measureHandlerCharges,
  openAndFundAccounts,
} from './core-handler-load.ts';
import { createUsageProbe } from './postgres-usage.ts';

// `npm run bench -- core` (issue 3): charges/s through the command handler on the local Postgres at
// concurrency 1, 16 and 64 over funded accounts, against a one-transaction-per-charge CRUD baseline and
// the raw multi-row INSERT ceiling, all in one run and one fresh schema (dropped at the end).
// Parameters: --seconds=10 per phase, --accounts=10000, --concurrency=1,16,64.

export const coreTargetChargesPerSecond = 10_000;
const targetConcurrency = 64;
const storeMaxConnections = 16;
const ceilingRowsPerStatement = 1_000;
const handlerApplicationName = 'bench-core-handler';
const crudApplicationName = 'bench-core-crud';
const ceilingApplicationName = 'bench-core-ceiling';

const postgresFacts = async (client: pg.Client) => {
  const setting = async (name: string) =>
    (await client.query<{ value: string }>(`SELECT current_setting($1) AS value`, [name])).rows[0]?.value;
  return {
    version: (await client.query<{ version: string }>('SELECT version()')).rows[0]?.version ?? 'unknown',
    synchronousCommit: await setting('synchronous_commit'),
    fsync: await setting('fsync'),
    commitDelay: await setting('commit_delay'),
    walLevel: await setting('wal_level'),
  };
};

export const coreBenchmark: Benchmark = {
  name: 'core',
  description:
    'charges/s through the command handler on Postgres vs a CRUD baseline and a raw INSERT ceiling',
  run: async (options) => {
    const seconds = numberParameter(options, 'seconds', 10);
    const accounts = Math.floor(numberParameter(options, 'accounts', 10_000));
    const concurrencies = (options.parameters.concurrency ?? '1,16,64').split(',').map((text) => {
      const value = Number(text);
      if (!Number.isInteger(value) || value < 1) throw new Error(`--concurrency takes integers, got ${text}`);
      return value;
    });
    const schema = `bench_core_${Date.now().toString(36)}`;
    const admin = new pg.Client({ connectionString: options.databaseUrl });
    await admin.connect();
    try {
      const postgres = await postgresFacts(admin);
      options.log(
        `postgres: synchronous_commit=${postgres.synchronousCommit} fsync=${postgres.fsync}; schema ${schema}`,
      );
      if (postgres.synchronousCommit !== 'on')
        options.log('WARNING: synchronous_commit is not on; figures are not comparable');

      const handlerUrl = new URL(options.databaseUrl);
      handlerUrl.searchParams.set('application_name', handlerApplicationName);
      const sql = createPgClient({
        connectionString: handlerUrl.toString(),
        schema,
        maxConnections: storeMaxConnections,
      });
      await migrateEventStoreSchema(sql, schema);
      const store = createSqlEventStore(sql);
      const stats: AppendStats = { appends: 0, commands: 0, events: 0, appendMs: 0 };
      const handler = createBenchHandler(store, options.timeZone, stats);
      options.log(`opening and funding ${accounts} accounts…`);
      const setup = await openAndFundAccounts(handler, accounts);
      options.log(`setup: ${setup.commandsPerSecond} commands/s`);
      const handlerPhases = [];
      for (const concurrency of concurrencies) {
        const usage = createUsageProbe(admin, handlerApplicationName);
        await usage.begin();
        const charges = await measureHandlerCharges({
          handler,
          stats,
          accounts,
          concurrency,
          seconds,
          runTag: schema,
        });
        const figures = { ...charges, ...(await usage.end(charges.operations)) };
        options.log(
          `handler c=${concurrency}: ${figures.operationsPerSecond} charges/s (p99 ${figures.latencyMs.p99} ms)`,
        );
        handlerPhases.push(figures);
      }
      await handler.close();
      await store.close();

      await admin.query(`SET search_path TO ${schema}`);
      await prepareCrudTables(admin, accounts);
      const crudPhases = [];
      for (const concurrency of concurrencies) {
        const figures = await measureCrudCharges({
          databaseUrl: options.databaseUrl,
          applicationName: crudApplicationName,
          usage: createUsageProbe(admin, crudApplicationName),
          schema,
          accounts,
          concurrency,
          seconds,
        });
        options.log(
          `crud c=${concurrency}: ${figures.operationsPerSecond} charges/s (p99 ${figures.latencyMs.p99} ms)`,
        );
        crudPhases.push(figures);
      }
      const insertCeiling = await measureInsertCeiling({
        databaseUrl: options.databaseUrl,
        applicationName: ceilingApplicationName,
        usage: createUsageProbe(admin, ceilingApplicationName),
        schema,
        seconds,
        rowsPerStatement: ceilingRowsPerStatement,
      });
      options.log(`ceiling: ${insertCeiling.rowsPerSecond} rows/s`);

      const atTarget = handlerPhases.find((phase) => phase.concurrency === targetConcurrency);
      return {
        postgres,
        accounts,
        phaseSeconds: seconds,
        setup,
        handler: handlerPhases,
        crudBaseline: crudPhases,
        insertCeiling,
        target: {
          chargesPerSecond: coreTargetChargesPerSecond,
          concurrency: targetConcurrency,
          measured: atTarget?.operationsPerSecond ?? null,
          met: atTarget ? atTarget.operationsPerSecond >= coreTargetChargesPerSecond : null,
        },
      };
    } finally {
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
      await admin.end();
    }
  },
};
