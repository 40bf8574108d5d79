import { z } from 'zod';
import {
  eventMetadataSchema,
  isoInstantSchema,
  type LedgerEvent,
  type Position,
  type RecordedEvent,
  upcastEvent,
} from '../ledger-core/index.ts';

// The message the relay puts on Kafka for every ledger event, versioned so the format can change
// without breaking consumers. The relay and every projector validate it the same way: what fails
// validation is dead-lettered by each of them alike, so all feeders apply exactly the same events (I7).

export const envelopeVersion = 1;

export const ledgerEnvelopeSchema = z.strictObject({
  v: z.literal(envelopeVersion),
  eventId: z.string().min(1).max(128),
  streamId: z.string().min(1).max(200),
  revision: z.number().int().nonnegative(),
  /** The global position, as a decimal string (positions are bigint). */
  position: z.string().regex(/^[0-9]{1,20}$/, 'position must be a decimal string'),
  type: z.string().min(1).max(100),
  data: z.unknown(),
  metadata: eventMetadataSchema,
  recordedAt: isoInstantSchema,
});
export type LedgerEnvelope = z.infer<typeof ledgerEnvelopeSchema>;

/** A validated event as the read models apply it. */
export type ProjectableEvent = {
  position: Position;
  eventId: string;
  streamId: string;
  revision: number;
  occurredAt: string;
  recordedAt: string;
  event: LedgerEvent;
};

export type DecodeResult =
  | { ok: true; envelope: LedgerEnvelope; event: ProjectableEvent }
  | { ok: false; reason: string; position?: Position };

/** Dead-letter reasons travel in a Kafka header and in log lines: keep them short. */
const maxReasonLength = 500;

const describeIssues = (error: z.ZodError): string =>
  error.issues
    .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
    .join('; ')
    .slice(0, maxReasonLength);

export const envelopeOf = (event: RecordedEvent): LedgerEnvelope => ({
  v: envelopeVersion,
  eventId: event.eventId,
  streamId: event.streamId,
  revision: event.revision,
  position: event.position.toString(),
  type: event.type,
  data: event.data,
  metadata: event.metadata,
  recordedAt: event.metadata.recordedAt,
});

export type EnvelopeCheck =
  | { ok: true; envelope: LedgerEnvelope; position: Position }
  | { ok: false; reason: string; position?: Position };

/**
 * The envelope alone, not the event body: what the relay checks before producing. A body that fails
 * later fails in every projector alike (and in rebuild), so checking it once, where it is applied,
 * keeps every feeder's outcome the same.
 */
export const validateEnvelope = (candidate: unknown): EnvelopeCheck => {
  const parsed = ledgerEnvelopeSchema.safeParse(candidate);
  if (!parsed.success) return { ok: false, reason: `invalid_envelope: ${describeIssues(parsed.error)}` };
  const envelope = parsed.data;
  const position = BigInt(envelope.position);
  if (envelope.recordedAt !== envelope.metadata.recordedAt) {
    return { ok: false, reason: 'invalid_envelope: recordedAt differs from metadata.recordedAt', position };
  }
  return { ok: true, envelope, position };
};

/** Validates an envelope and the event body it carries (upcast to the current catalogue). */
export const decodeEnvelope = (candidate: unknown): DecodeResult => {
  const checked = validateEnvelope(candidate);
  if (!checked.ok) return checked;
  const { envelope, position } = checked;
  let event: LedgerEvent;
  try {
    event = upcastEvent(envelope.type, envelope.data, envelope.metadata.schemaVersion);
  } catch (error) {
    const detail = error instanceof z.ZodError ? describeIssues(error) : String(error);
    return { ok: false, reason: `invalid_event: ${detail}`.slice(0, maxReasonLength), position };
  }
  return {
    ok: true,
    envelope,
    event: {
      position,
      eventId: envelope.eventId,
      streamId: envelope.streamId,
      revision: envelope.revision,
      occurredAt: envelope.metadata.occurredAt,
      recordedAt: envelope.recordedAt,
      event,
    },
  };
};

/** A Kafka message value: JSON text of an envelope. */
export const decodeMessageValue = (value: Buffer | null): DecodeResult => {
  if (value === null) return { ok: false, reason: 'invalid_json: empty message' };
  let candidate: unknown;
  try {
    candidate = JSON.parse(value.toString('utf8'));
  } catch (error) {
    return { ok: false, reason: `invalid_json: ${String(error)}`.slice(0, maxReasonLength) };
  }
  return decodeEnvelope(candidate);
};

/** A stored event, validated exactly as a Kafka consumer validates its envelope. */
export const decodeRecordedEvent = (event: RecordedEvent): DecodeResult => decodeEnvelope(envelopeOf(event));
