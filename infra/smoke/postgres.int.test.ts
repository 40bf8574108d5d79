import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIsolatedSchema, type IsolatedSchema } from '../../testing/postgres-schema.ts';
import { serviceAvailable } from '../../testing/services.ts';

const postgresUp = await serviceAvailable('postgres');

describe.skipIf(!postgresUp)('smoke: Postgres through knex', () => {
  let isolated: IsolatedSchema;
  beforeAll(async () => {
    isolated = await createIsolatedSchema('smoke');
  });
  afterAll(async () => isolated?.drop());

  it('creates a table in its own schema and reads numeric money back exactly', async () => {
    const { db, schema } = isolated;
    await db.schema.createTable('amounts', (table) => {
      table.increments('id');
      table.decimal('amount', 20, 2).notNullable();
    });
    await db('amounts').insert([{ amount: '0.10' }, { amount: '0.20' }]);
    const [row] = await db('amounts').sum({ total: 'amount' });
    expect(row?.total).toBe('0.30');
    const [located] = await db('information_schema.tables')
      .where({ table_name: 'amounts' })
      .select('table_schema');
    expect(located?.table_schema).toBe(schema);
  });
});
