import knex, { type Knex } from 'knex';
import { serviceUrls, uniqueName } from './services.ts';

/** A knex connected to the test database whose every connection works in its own fresh schema. */
export type IsolatedSchema = { schema: string; db: Knex; drop: () => Promise<void> };

export const createIsolatedSchema = async (prefix = 't'): Promise<IsolatedSchema> => {
  const schema = uniqueName(prefix);
  const admin = knex({ client: 'pg', connection: serviceUrls.postgres, pool: { min: 0, max: 1 } });
  await admin.raw('CREATE SCHEMA ??', [schema]);
  await admin.destroy();
  const db = knex({
    client: 'pg',
    connection: serviceUrls.postgres,
    searchPath: [schema],
    pool: { min: 0, max: 8 },
  });
  return {
    schema,
    db,
    drop: async () => {
      await db.raw('DROP SCHEMA IF EXISTS ?? CASCADE', [schema]);
      await db.destroy();
    },
  };
};
