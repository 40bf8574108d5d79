import type { EventStoreDBClient } from '@eventstore/db-client';

/** The part of the EventStoreDB client the adapter uses; tests can stand in for it. */
export type EsdbClient = Pick<
  EventStoreDBClient,
  'appendToStream' | 'readStream' | 'readAll' | 'subscribeToAll' | 'dispose'
>;
