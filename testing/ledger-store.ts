import {
  createPgClient,
  createSqlEventStore,
  migrateEventStoreSchema,
  type SqlClient,
} from '../event-store/index.ts';
import {
  type CommandContext,
  type CommandHandler,
  type CommandHandlerOptions,
  createCommandHandler,
  type EventStore,
  type LedgerCommandInput,
  ledgerCommandSchema,
} from '../ledger-core/index.ts';
import { serviceUrls, uniqueName } from './services.ts';

// A Postgres event store in its own schema for handler tests. `connect()` opens another store on the same
// schema with its own connection pool, as a second process would.

export type PostgresLedger = {
  schema: string;
  store: EventStore;
  sql: SqlClient;
  connect: () => { store: EventStore; sql: SqlClient };
  cleanup: () => Promise<void>;
};

export const openPostgresLedger = async (
  options: { maxConnections?: number } = {},
): Promise<PostgresLedger> => {
  const schema = uniqueName('ledger');
  const opened: Array<{ store: EventStore }> = [];
  const connect = () => {
    const sql = createPgClient({ connectionString: serviceUrls.postgres, schema, ...options });
    const inner = createSqlEventStore(sql);
    let closing: Promise<void> | undefined;
    // Closing twice (by a test and by cleanup) must not end the pool twice.
    const store: EventStore = { ...inner, close: () => (closing ??= inner.close()) };
    opened.push({ store });
    return { store, sql };
  };
  const first = connect();
  await migrateEventStoreSchema(first.sql, schema);
  return {
    schema,
    ...first,
    connect,
    cleanup: async () => {
      await first.sql.query(`DROP SCHEMA ${schema} CASCADE`);
      await Promise.all(opened.map(({ store }) => store.close()));
    },
  };
};

export const testContext: CommandContext = {
  correlationId: 'test-correlation',
  causationId: 'test-causation',
  actor: { type: 'admin', id: 'test' },
};

type WithoutTime<Input> = Input extends unknown ? Omit<Input, 'occurredAt'> & { occurredAt?: string } : never;

/** Parses a command as an edge would (defaults, normalisation), stamped now unless it says otherwise. */
export const ledgerCommand = (input: WithoutTime<LedgerCommandInput>) =>
  ledgerCommandSchema.parse({ occurredAt: new Date().toISOString(), ...input });

export const handlerOn = (
  store: EventStore,
  options: Omit<CommandHandlerOptions, 'store' | 'timeZone'> = {},
): CommandHandler => createCommandHandler({ store, timeZone: 'Asia/Shanghai', ...options });
