// projections: the read models in Postgres (or PGlite) and everything that feeds them — the relay
// from the event store to Kafka, the Kafka and in-process projectors, and rebuild from the log.
export {
  type ApplyHooks,
  type ApplyOptions,
  type ApplyResult,
  applyEvents,
  applyEventsInTransaction,
} from './apply/apply-events.ts';
export type { RejectedEvent } from './apply/rows.ts';
export {
  type ProjectionCheckpoint,
  readModelsPosition,
  readProjectionCheckpoints,
  readRelayCheckpoint,
} from './checkpoints.ts';
export { compareReadModels, type ReadModelComparison, type TableDifference } from './compare.ts';
export {
  type DecodeResult,
  decodeEnvelope,
  decodeMessageValue,
  decodeRecordedEvent,
  type EnvelopeCheck,
  envelopeOf,
  envelopeVersion,
  type LedgerEnvelope,
  ledgerEnvelopeSchema,
  type ProjectableEvent,
  validateEnvelope,
} from './envelope.ts';
export { type InProcessProjectorOptions, startInProcessProjector } from './in-process-projector.ts';
export { createKafka } from './kafka/kafka-client.ts';
export {
  defaultProjectionGroupId,
  type KafkaProjectorOptions,
  startKafkaProjector,
} from './kafka/kafka-projector.ts';
export { headerNames } from './kafka/messages.ts';
export { defaultRelayBatchSize, type RelayHooks, type RelayOptions, startRelay } from './kafka/relay.ts';
export {
  deadLetterTopicOf,
  defaultLedgerTopic,
  ensureLedgerTopics,
  TopicLayoutError,
} from './kafka/topics.ts';
export { createProjectionMetrics, type ProjectionMetrics, registerProjectionLagMetrics } from './metrics.ts';
export { migrateReadModels } from './migrations/migrate.ts';
export {
  defaultRebuildBatchSize,
  type RebuildOptions,
  type RebuildProgress,
  type RebuildResult,
  rebuildReadModels,
} from './rebuild.ts';
export {
  lagOf,
  type ProjectionStatus,
  projectionStatus,
  type WaitOutcome,
  waitForPosition,
} from './status.ts';
export type { Supervised } from './supervisor.ts';
export * from './tables.ts';
