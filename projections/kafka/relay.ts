import type { Kafka, Message, Producer } from 'kafkajs';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import {
  type EventStore,
  endSpansAfter,
  logFieldsOfSpan,
  type RecordedEvent,
  type Span,
  SpanKind,
  startMessageSpan,
  traceparentOfSpan,
} from '../../ledger-core/index.ts';
import { readRelayCheckpoint, writeRelayCheckpoint } from '../checkpoints.ts';
import { createProjectionMetrics } from '../metrics.ts';
import { type Supervised, supervise } from '../supervisor.ts';
import { createLedgerProducer } from './kafka-client.ts';
import { chunkBySize, headerNames, relayMessagesOf } from './messages.ts';
import { deadLetterTopicOf, defaultLedgerTopicPartitions, ensureLedgerTopics } from './topics.ts';

/**
 * Events read from the store per produce (cut into requests below 512 KiB). The relay catches up at
 * about 10,000 events/s on the shared 2-core box whether this is 500 or 2,000: kafkajs' encoding, not
 * the round trips, is what it spends its time on.
 */
export const defaultRelayBatchSize = 1_000;

export type RelayHooks = {
  /** Runs after Kafka acknowledged a batch, before the checkpoint is stored (fault injection). */
  afterProduce?: (events: readonly RecordedEvent[]) => Promise<void>;
};

export type RelayOptions = {
  store: Pick<EventStore, 'subscribeToAll'>;
  /** The read-model database, which holds `relay_checkpoints`. */
  db: Knex;
  kafka: Kafka;
  topic: string;
  logger: Logger;
  /** Names the checkpoint row; defaults to `kafka:<topic>`. */
  relayName?: string;
  batchSize?: number;
  /** Partitions of the topic when the relay creates it. */
  partitions?: number;
  registry?: Registry;
  restartDelayMs?: number;
  hooks?: RelayHooks;
};

/**
 * One `relay.publish` span per event, child of the command that wrote it (its metadata traceparent);
 * the message's traceparent header then names this span, so the projection joins the same trace.
 */
const startPublishSpans = (events: readonly RecordedEvent[], topic: string): Map<string, Span> =>
  new Map(
    events.map((event) => [
      event.position.toString(),
      startMessageSpan(
        'relay.publish',
        SpanKind.PRODUCER,
        {
          'messaging.system': 'kafka',
          'messaging.destination.name': topic,
          'ledger.stream': event.streamId,
          'ledger.position': event.position.toString(),
          'ledger.event_type': event.type,
          ...(event.metadata.txId ? { 'ledger.tx_id': event.metadata.txId } : {}),
        },
        event.metadata.traceparent,
      ),
    ]),
  );

const withPublishTraceparents = (messages: readonly Message[], spans: Map<string, Span>): void => {
  for (const message of messages) {
    const span = spans.get(String(message.headers?.[headerNames.position]));
    const traceparent = span && traceparentOfSpan(span);
    if (traceparent && message.headers) message.headers[headerNames.traceparent] = traceparent;
  }
};

const sendAll = async (producer: Producer, topic: string, messages: readonly Message[]) => {
  // One chunk after the other, each acknowledged by all in-sync replicas, keeps the log's order.
  for (const chunk of chunkBySize(messages)) await producer.send({ topic, messages: chunk, acks: -1 });
};

/**
 * Follows the event store's global log from the relay's durable checkpoint and produces every event to
 * Kafka, keyed by stream id. The checkpoint moves only after Kafka acknowledged, so after a crash the
 * relay resumes from it and may send an event again but never skips one; the projectors' checkpoint
 * makes the repeat harmless (I8).
 */
export const startRelay = (options: RelayOptions): Supervised => {
  const { store, db, kafka, topic, logger } = options;
  const relayName = options.relayName ?? `kafka:${topic}`;
  const metrics = createProjectionMetrics(options.registry);
  const log = logger.child({ component: 'relay', relay: relayName, topic });

  const start = async () => {
    await ensureLedgerTopics(kafka, topic, options.partitions ?? defaultLedgerTopicPartitions);
    const fromPosition = await readRelayCheckpoint(db, relayName);
    const producer = createLedgerProducer(kafka);
    await producer.connect();
    log.info({ fromPosition: fromPosition.toString() }, 'relay following the event log');
    const subscription = store.subscribeToAll({
      fromPosition,
      maxBatchSize: options.batchSize ?? defaultRelayBatchSize,
      onBatch: async (events) => {
        const last = events[events.length - 1];
        if (!last) return;
        const messages = relayMessagesOf(events);
        const spans = startPublishSpans(events, topic);
        withPublishTraceparents(messages.events, spans);
        await endSpansAfter(spans.values(), () => sendAll(producer, topic, messages.events));
        if (messages.deadLetters.length > 0) {
          await sendAll(producer, deadLetterTopicOf(topic), messages.deadLetters);
          for (const message of messages.deadLetters) {
            const reason = String(message.headers?.reason ?? '');
            metrics.deadLetter('relay', reason);
            const span = spans.get(String(message.headers?.[headerNames.position]));
            log.error(
              { reason, key: message.key, ...logFieldsOfSpan(span) },
              'relay dead-lettered an event that failed validation',
            );
          }
        }
        await options.hooks?.afterProduce?.(events);
        await writeRelayCheckpoint(db, relayName, last.position);
        metrics.relayPosition(relayName, last.position);
      },
    });
    const disconnect = () => producer.disconnect().catch(() => undefined);
    return {
      done: subscription.done.finally(disconnect),
      stop: async () => {
        await subscription.stop();
        await disconnect();
      },
    };
  };

  return supervise({
    name: 'relay',
    logger: log,
    start,
    ...(options.restartDelayMs !== undefined ? { restartDelayMs: options.restartDelayMs } : {}),
  });
};
