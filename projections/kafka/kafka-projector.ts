import type { EachBatchPayload, Kafka, KafkaMessage, Message, Producer } from 'kafkajs';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import {
  endSpansAfter,
  logFieldsOfSpan,
  type Span,
  SpanKind,
  startMessageSpan,
} from '../../ledger-core/index.ts';
import { type ApplyHooks, applyEvents } from '../apply/apply-events.ts';
import { decodeMessageValue, type ProjectableEvent } from '../envelope.ts';
import { createProjectionMetrics, type ProjectionMetrics } from '../metrics.ts';
import { type Supervised, supervise, type WorkerSession } from '../supervisor.ts';
import { readModelsProjection } from '../tables.ts';
import { createLedgerProducer } from './kafka-client.ts';
import { headerNames } from './messages.ts';
import {
  deadLetterTopicOf,
  defaultLedgerTopicPartitions,
  ensureLedgerTopics,
  TopicLayoutError,
} from './topics.ts';

export const defaultProjectionGroupId = 'campus-ledger-projections';
/** Events per read-model transaction: a Kafka batch larger than this is applied in several. */
export const maxEventsPerTransaction = 5_000;
/**
 * Bytes fetched per partition at a time (about 9,000 envelopes). Catching up, bigger batches mean
 * fewer transactions and each account row written fewer times; live, batches are as small as the
 * traffic.
 */
export const consumerMaxBytesPerPartition = 8 * 1024 * 1024;
/** How long a fetch waits for data on an idle partition; short, so new events are seen quickly. */
export const consumerMaxWaitMs = 100;
/**
 * After a broker restart the group waits this long for members that will not come back before it
 * hands the partition to the rejoined consumer. A chunk takes about a second at most, and the consumer
 * heartbeats between chunks, so a live member never comes near it.
 */
export const consumerSessionTimeoutMs = 10_000;
export const consumerHeartbeatIntervalMs = 1_000;
/** How long a rebalance waits for members to rejoin; bounds the pause after a broker restart. */
export const consumerRebalanceTimeoutMs = 10_000;
/** Kafka offsets are only an optimisation (the checkpoint decides), so they are committed lazily. */
export const offsetCommitIntervalMs = 1_000;

export type KafkaProjectorOptions = {
  kafka: Kafka;
  /** The read-model database. */
  db: Knex;
  topic: string;
  groupId?: string;
  timeZone: string;
  logger: Logger;
  registry?: Registry;
  restartDelayMs?: number;
  hooks?: ApplyHooks;
};

type Poison = { message: KafkaMessage; reason: string };

const deadLetterOf = (poison: Poison, topic: string, partition: number): Message => ({
  key: poison.message.key,
  value: poison.message.value,
  headers: {
    ...poison.message.headers,
    [headerNames.reason]: poison.reason,
    [headerNames.originalTopic]: topic,
    [headerNames.originalPartition]: String(partition),
    [headerNames.originalOffset]: poison.message.offset,
  },
});

const chunksOf = <T>(items: readonly T[], size: number): T[][] => {
  const chunks: T[][] = [];
  for (let index = 0; index < items.length; index += size) chunks.push(items.slice(index, index + size));
  return chunks;
};

/** One `projection.apply` span per message, child of the relay's span named in its traceparent header. */
const startApplySpan = (message: KafkaMessage, topic: string, partition: number): Span =>
  startMessageSpan(
    'projection.apply',
    SpanKind.CONSUMER,
    {
      'messaging.system': 'kafka',
      'messaging.destination.name': topic,
      'messaging.kafka.partition': partition,
      'messaging.kafka.offset': message.offset,
      'ledger.stream': message.key?.toString() ?? '',
      'ledger.position': message.headers?.[headerNames.position]?.toString() ?? '',
      'ledger.event_type': message.headers?.[headerNames.eventType]?.toString() ?? '',
    },
    message.headers?.[headerNames.traceparent]?.toString(),
  );

type BatchContext = {
  options: KafkaProjectorOptions;
  producer: Producer;
  metrics: ProjectionMetrics;
  log: Logger;
  /** The chunk's `projection.apply` spans; a dead-lettered message's is marked so. */
  spans: Map<KafkaMessage, Span>;
};

/**
 * One chunk: dead-letter what fails validation, apply the rest with the checkpoint in one transaction,
 * then resolve the Kafka offset (committed lazily). Offsets are only an optimisation: after a crash
 * the events come again and the checkpoint skips them.
 */
const processChunk = async (context: BatchContext, payload: EachBatchPayload, messages: KafkaMessage[]) => {
  const { options, producer, metrics, log, spans } = context;
  const { topic, partition } = payload.batch;
  const valid: ProjectableEvent[] = [];
  const messageAt = new Map<bigint, KafkaMessage>();
  const poison: Poison[] = [];
  for (const message of messages) {
    const decoded = decodeMessageValue(message.value);
    if (decoded.ok) {
      valid.push(decoded.event);
      messageAt.set(decoded.event.position, message);
    } else poison.push({ message, reason: decoded.reason });
  }
  const sendToDeadLetters = async (entries: Poison[]) => {
    if (entries.length === 0) return;
    await producer.send({
      topic: deadLetterTopicOf(topic),
      messages: entries.map((entry) => deadLetterOf(entry, topic, partition)),
      acks: -1,
    });
    for (const entry of entries) {
      const span = spans.get(entry.message);
      span?.setAttribute('ledger.outcome', 'dead_lettered');
      metrics.deadLetter('projector', entry.reason);
      log.error(
        { offset: entry.message.offset, reason: entry.reason, ...logFieldsOfSpan(span) },
        'dead-lettered a message',
      );
    }
  };
  // Dead letters are sent before the offset or the checkpoint passes them: a crash in between sends
  // them again (at least once), never loses them.
  await sendToDeadLetters(poison);
  const result = await options.db.transaction(async (trx) => {
    const applied = await applyEvents(trx, valid, { timeZone: options.timeZone });
    // Refused events are known only now; once this commits the checkpoint skips them for good.
    await sendToDeadLetters(
      applied.rejected.flatMap((rejected) => {
        const message = messageAt.get(rejected.position);
        return message ? [{ message, reason: `rejected: ${rejected.reason}` }] : [];
      }),
    );
    await options.hooks?.beforeCommit?.(applied);
    return applied;
  });
  metrics.eventsApplied('kafka', result.applied);
  metrics.projectionPosition(readModelsProjection, result.position);
  const lastOffset = (messages[messages.length - 1] as KafkaMessage).offset;
  // Resolved only now, after the commit: kafkajs commits resolved offsets every
  // `offsetCommitIntervalMs`, off the path of the next batch.
  payload.resolveOffset(lastOffset);
  await payload.heartbeat();
};

/**
 * Consumes the ledger topic in one consumer group and applies every event to the read models in
 * Postgres. Poison messages go to `<topic>.dlq` with a `reason` header and never stop the partition.
 */
export const startKafkaProjector = (options: KafkaProjectorOptions): Supervised => {
  const { kafka, topic } = options;
  const groupId = options.groupId ?? defaultProjectionGroupId;
  const metrics = createProjectionMetrics(options.registry);
  const log = options.logger.child({ component: 'kafka-projector', topic, groupId });

  const start = async (): Promise<WorkerSession> => {
    const partitions = await ensureLedgerTopics(kafka, topic, defaultLedgerTopicPartitions);
    if (partitions !== 1) throw new TopicLayoutError(topic, partitions);
    const producer = createLedgerProducer(kafka);
    const consumer = kafka.consumer({
      groupId,
      maxWaitTimeInMs: consumerMaxWaitMs,
      maxBytesPerPartition: consumerMaxBytesPerPartition,
      maxBytes: consumerMaxBytesPerPartition,
      sessionTimeout: consumerSessionTimeoutMs,
      heartbeatInterval: consumerHeartbeatIntervalMs,
      rebalanceTimeout: consumerRebalanceTimeoutMs,
      allowAutoTopicCreation: false,
    });
    let failed: (error: unknown) => void = () => undefined;
    let stopped: () => void = () => undefined;
    const done = new Promise<void>((resolve, reject) => {
      failed = reject;
      stopped = resolve;
    });
    // kafkajs restarts a crashed consumer by itself; one it gives up on ends the session.
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      log.error({ err: payload.error, restart: payload.restart }, 'consumer crashed');
      if (!payload.restart) failed(payload.error);
    });
    await producer.connect();
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const context: Omit<BatchContext, 'spans'> = { options, producer, metrics, log };
    await consumer.run({
      autoCommit: true,
      autoCommitInterval: offsetCommitIntervalMs,
      eachBatchAutoResolve: false,
      eachBatch: async (payload) => {
        for (const chunk of chunksOf(payload.batch.messages, maxEventsPerTransaction)) {
          if (!payload.isRunning() || payload.isStale()) return;
          const { topic, partition } = payload.batch;
          const spans = new Map(chunk.map((message) => [message, startApplySpan(message, topic, partition)]));
          await endSpansAfter(spans.values(), () => processChunk({ ...context, spans }, payload, chunk));
        }
      },
    });
    log.info('projector consuming');
    const disconnect = async () => {
      await consumer.disconnect().catch(() => undefined);
      await producer.disconnect().catch(() => undefined);
    };
    return {
      done: done.finally(disconnect),
      stop: async () => {
        await disconnect();
        stopped();
      },
    };
  };

  return supervise({
    name: 'kafka-projector',
    logger: log,
    start,
    ...(options.restartDelayMs !== undefined ? { restartDelayMs: options.restartDelayMs } : {}),
  });
};
