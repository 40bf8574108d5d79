import type { PGlite } from '@electric-sql/pglite';
import type { SqlClient } from './sql-client.ts';

/** PGlite is one connection; it queues queries behind an open transaction by itself. */
export const createPgliteClient = (db: PGlite, options: { closeDatabase: boolean }): SqlClient => ({
  dialect: 'pglite',
  query: async <Row>(text: string, params?: unknown[]) => (await db.query<Row>(text, params)).rows,
  transaction: (work) =>
    db.transaction((tx) =>
      work({
        query: async <Row>(text: string, params?: unknown[]) => (await tx.query<Row>(text, params)).rows,
      }),
    ),
  close: async () => {
    if (options.closeDatabase) await db.close();
  },
});
