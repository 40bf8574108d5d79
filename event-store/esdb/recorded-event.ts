import type { AllStreamRecordedEvent, RecordedEvent as EsdbRecordedEvent } from '@eventstore/db-client';
import type { EventMetadata, RecordedEvent } from '../../ledger-core/index.ts';
import { toLedgerPosition } from './positions.ts';

/** An EventStoreDB event as the port's RecordedEvent. Ledger events are JSON with our metadata. */
export const toRecordedEvent = (event: EsdbRecordedEvent | AllStreamRecordedEvent): RecordedEvent => {
  if (!event.isJson) throw new Error(`event ${event.id} in ${event.streamId} is not JSON`);
  return {
    eventId: event.id,
    streamId: event.streamId,
    revision: Number(event.revision),
    position: toLedgerPosition(event.position, `event ${event.id} in ${event.streamId}`),
    type: event.type,
    data: event.data,
    metadata: event.metadata as EventMetadata,
  };
};
