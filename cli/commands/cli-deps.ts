import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { CommandHandler, EventStore } from '../../ledger-core/index.ts';

/** What the audit and finance verbs need from the runtime; `cli/main.ts` builds it on demand. */
export type CliDeps = {
  store: EventStore;
  /** The read-model database, its search_path on the live read models. */
  db: Knex;
  handler: CommandHandler;
  /** LEDGER_TZ: the business day boundary. */
  timeZone: string;
  logger: Logger;
  close: () => Promise<void>;
};

/** Opened only once a verb's options are valid, so `--help` and bad input touch no database. */
export type LoadCliDeps = () => Promise<CliDeps>;
