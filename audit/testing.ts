import {
  createPgClient,
  createSqlEventStore,
  migrateEventStoreSchema,
  type SqlClient,
} from '../event-store/index.ts';
import {
  type CommandHandler,
  createCommandHandler,
  type EventStore,
  type LedgerCommandInput,
  ledgerCommandSchema,
} from '../ledger-core/index.ts';
import { testContext } from '../testing/ledger-store.ts';
import { serviceUrls, uniqueName } from '../testing/services.ts';

// Test-only: a Postgres event store in its own schema with a clock the test sets, so events land on
// the business days a test needs, and a command handler over it.

/** A command without its time: the ledger's clock supplies it. Distributes over the command union. */
export type UntimedCommand = LedgerCommandInput extends infer Command
  ? Command extends unknown
    ? Omit<Command, 'occurredAt'>
    : never
  : never;

export type AuditLedger = {
  schema: string;
  sql: SqlClient;
  store: EventStore;
  handler: CommandHandler;
  /** Sets the clock used for recordedAt and for the commands' occurredAt. */
  setClock: (instant: string) => void;
  run: (command: UntimedCommand) => ReturnType<CommandHandler['handle']>;
  cleanup: () => Promise<void>;
};

export const openAuditLedger = async (timeZone = 'Asia/Shanghai'): Promise<AuditLedger> => {
  const schema = uniqueName('audit');
  const sql = createPgClient({ connectionString: serviceUrls.postgres, schema, maxConnections: 4 });
  await migrateEventStoreSchema(sql, schema);
  let clock = new Date();
  const store = createSqlEventStore(sql, { now: () => clock });
  const handler = createCommandHandler({ store, timeZone });
  return {
    schema,
    sql,
    store,
    handler,
    setClock: (instant) => {
      clock = new Date(instant);
    },
    run: (command) =>
      handler.handle(ledgerCommandSchema.parse({ ...command, occurredAt: clock.toISOString() }), testContext),
    cleanup: async () => {
      await handler.close();
      await sql.query(`DROP SCHEMA ${schema} CASCADE`);
      await store.close();
    },
  };
};
