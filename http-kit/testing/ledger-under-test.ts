import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { type Logger, pino } from 'pino';
import { createPgClient } from '../../event-store/sql/pg-client.ts';
import { migrateEventStoreSchema } from '../../event-store/sql/schema.ts';
import { createSqlEventStore } from '../../event-store/sql/sql-event-store.ts';
import { type CommandHandler, createCommandHandler, type EventStore } from '../../ledger-core/index.ts';
import { serviceUrls, uniqueName } from '../../testing/services.ts';

// Test plumbing for the HTTP apps: a Postgres event store in its own schema with a command handler,
// a logger whose lines the test can read, and a server listening on an ephemeral 127.0.0.1 port.

export const testJwtSecret = 'http-test-secret-0123456789abcdef';
export const testDeviceMasterKey = 'http-test-device-master-key-0123';
export const testTimeZone = 'Asia/Shanghai';
/** High enough that no test meets it unless it means to. */
export const testRateLimit = { maxRequests: 100_000, timeWindowMs: 60_000 };

export type LedgerUnderTest = {
  schema: string;
  store: EventStore;
  handler: CommandHandler;
  close: () => Promise<void>;
};

export const openPostgresLedger = async (): Promise<LedgerUnderTest> => {
  const schema = uniqueName('http_es');
  const sql = createPgClient({ connectionString: serviceUrls.postgres, schema, maxConnections: 4 });
  await migrateEventStoreSchema(sql, schema);
  const store = createSqlEventStore(sql);
  const handler = createCommandHandler({ store, timeZone: testTimeZone });
  return {
    schema,
    store,
    handler,
    close: async () => {
      await handler.close();
      await sql.query(`DROP SCHEMA ${schema} CASCADE`);
      await store.close();
    },
  };
};

export type CapturedLogger = { logger: Logger; lines: string[] };

export const capturingLogger = (): CapturedLogger => {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, destination), lines };
};

export const listenOnEphemeralPort = async (app: FastifyInstance): Promise<string> => {
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('not listening on a TCP port');
  return `http://127.0.0.1:${address.port}`;
};
