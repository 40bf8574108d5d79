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
} from '../ledger-core/index.ts';
import { type ApplyHooks, applyEventsInTransaction } from './apply/apply-events.ts';
import { readModelsPosition } from './checkpoints.ts';
import { decodeRecordedEvent, type ProjectableEvent } from './envelope.ts';
import { createProjectionMetrics } from './metrics.ts';
import { type Supervised, supervise } from './supervisor.ts';
import { readModelsProjection } from './tables.ts';

export const defaultInProcessBatchSize = 1_000;

export type InProcessProjectorOptions = {
  store: Pick<EventStore, 'subscribeToAll'>;
  /** The read-model database. */
  db: Knex;
  timeZone: string;
  logger: Logger;
  batchSize?: number;
  registry?: Registry;
  restartDelayMs?: number;
  hooks?: ApplyHooks;
};

/** One `projection.apply` span per event, child of the command that wrote it (its metadata traceparent). */
const startApplySpan = (event: RecordedEvent) =>
  startMessageSpan(
    'projection.apply',
    SpanKind.CONSUMER,
    {
      'ledger.stream': event.streamId,
      'ledger.position': event.position.toString(),
      'ledger.event_type': event.type,
    },
    event.metadata.traceparent,
  );

/**
 * Embedded mode: the read models follow the event store's global log directly, no Kafka. The same
 * validation and `applyEvents` as the Kafka projector; what fails either is logged and counted (there
 * is no dead-letter topic here) and skipped exactly as the Kafka projector skips it.
 */
export const startInProcessProjector = (options: InProcessProjectorOptions): Supervised => {
  const { store, db, timeZone } = options;
  const metrics = createProjectionMetrics(options.registry);
  const log = options.logger.child({ component: 'in-process-projector' });

  // `spans[i]` is the apply span of `events[i]`: a line about one event carries its trace.
  const applyBatch = async (events: readonly RecordedEvent[], spans: readonly Span[]) => {
    const valid: ProjectableEvent[] = [];
    events.forEach((event, index) => {
      const decoded = decodeRecordedEvent(event);
      if (decoded.ok) valid.push(decoded.event);
      else {
        metrics.deadLetter('projector', decoded.reason);
        log.error(
          { position: event.position.toString(), reason: decoded.reason, ...logFieldsOfSpan(spans[index]) },
          'skipped an invalid event',
        );
      }
    });
    const result = await applyEventsInTransaction(db, valid, {
      timeZone,
      ...(options.hooks ? { hooks: options.hooks } : {}),
    });
    for (const rejected of result.rejected) {
      const span = spans[events.findIndex((event) => event.position === rejected.position)];
      metrics.deadLetter('projector', `rejected: ${rejected.reason}`);
      log.error(
        { position: rejected.position.toString(), reason: rejected.reason, ...logFieldsOfSpan(span) },
        'skipped a refused event',
      );
    }
    metrics.eventsApplied('in-process', result.applied);
    metrics.projectionPosition(readModelsProjection, result.position);
  };

  const start = async () => {
    const fromPosition = await readModelsPosition(db);
    log.info({ fromPosition: fromPosition.toString() }, 'projector following the event log');
    return store.subscribeToAll({
      fromPosition,
      maxBatchSize: options.batchSize ?? defaultInProcessBatchSize,
      onBatch: (events) => {
        const spans = events.map(startApplySpan);
        return endSpansAfter(spans, () => applyBatch(events, spans));
      },
    });
  };

  return supervise({
    name: 'in-process-projector',
    logger: log,
    start,
    ...(options.restartDelayMs !== undefined ? { restartDelayMs: options.restartDelayMs } : {}),
  });
};
