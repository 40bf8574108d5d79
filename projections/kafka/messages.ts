import type { IHeaders, Message } from 'kafkajs';
import type { RecordedEvent } from '../../ledger-core/index.ts';
import { envelopeOf, envelopeVersion, validateEnvelope } from '../envelope.ts';

// Kafka messages of the ledger topic and its dead-letter topic.

export const headerNames = {
  traceparent: 'traceparent',
  eventType: 'ledger-event-type',
  position: 'ledger-position',
  envelopeVersion: 'ledger-envelope-version',
  reason: 'reason',
  originalTopic: 'original-topic',
  originalPartition: 'original-partition',
  originalOffset: 'original-offset',
} as const;

/**
 * The broker refuses a produce request above its message.max.bytes (1 MiB by default); batches are cut
 * well below that.
 */
export const maxProduceBytes = 512 * 1024;

export type RelayMessages = { events: Message[]; deadLetters: Message[] };

/** Envelopes for the topic; an envelope that fails validation goes to the dead-letter topic with its reason. */
export const relayMessagesOf = (events: readonly RecordedEvent[]): RelayMessages => {
  const messages: RelayMessages = { events: [], deadLetters: [] };
  for (const event of events) {
    const checked = validateEnvelope(envelopeOf(event));
    const headers: IHeaders = {
      [headerNames.eventType]: event.type,
      [headerNames.position]: event.position.toString(),
      [headerNames.envelopeVersion]: String(envelopeVersion),
    };
    if (event.metadata.traceparent) headers[headerNames.traceparent] = event.metadata.traceparent;
    if (checked.ok) {
      messages.events.push({ key: event.streamId, value: JSON.stringify(checked.envelope), headers });
    } else {
      messages.deadLetters.push({
        key: event.streamId,
        value: JSON.stringify({ ...event, position: event.position.toString() }),
        headers: { ...headers, [headerNames.reason]: checked.reason },
      });
    }
  }
  return messages;
};

/** Splits messages, in order, into chunks whose values stay under `maxProduceBytes`. */
export const chunkBySize = (
  messages: readonly Message[],
  maxBytes: number = maxProduceBytes,
): Message[][] => {
  const chunks: Message[][] = [];
  let current: Message[] = [];
  let size = 0;
  for (const message of messages) {
    const bytes = Buffer.byteLength(message.value ?? '') + Buffer.byteLength(String(message.key ?? ''));
    if (current.length > 0 && size + bytes > maxBytes) {
      chunks.push(current);
      current = [];
      size = 0;
    }
    current.push(message);
    size += bytes;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
};
