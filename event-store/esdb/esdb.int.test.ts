import { describe } from 'vitest';
import { serviceAvailable, serviceUrls } from '../../testing/services.ts';
import { eventStoreContract } from '../contract.ts';
import { createEsdbEventStore } from './esdb-event-store.ts';

// The shared contract against a real EventStoreDB (22.6 or later), only when ESDB_URL is set, e.g.
// ESDB_URL=esdb://127.0.0.1:2113?tls=false. Streams get random names, so a used server is fine.
const esdbUp = await serviceAvailable('eventstoredb');

describe.skipIf(!esdbUp)('EventStoreDB event store', () => {
  eventStoreContract('esdb', async () => {
    const store = createEsdbEventStore({ connectionString: serviceUrls.eventstoredb });
    return { store, cleanup: () => store.close() };
  });
});
