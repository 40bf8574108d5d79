import type { preHandlerAsyncHookHandler } from 'fastify';
import type { Knex } from 'knex';
import type { EventStore } from '../ledger-core/index.ts';
import type { WaitForPosition } from './read-your-writes.ts';

/** What the query routes read from and how they wait for the read models. */
export type QueryRouteDeps = {
  db: Knex;
  store: Pick<EventStore, 'readAll' | 'headPosition'>;
  timeZone: string;
  clock: () => Date;
  waitForPosition: WaitForPosition;
  readYourWritesWaitMs: number;
  /** The X-Min-Position hook every query route runs. */
  readYourWrites: preHandlerAsyncHookHandler;
};
