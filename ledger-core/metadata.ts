import { z } from 'zod';
import { txIdSchema } from './ids.ts';

export const actorTypes = ['admin', 'pos', 'kiosk', 'finance', 'auditor', 'student', 'system'] as const;
export const actorSchema = z.strictObject({ type: z.enum(actorTypes), id: z.string().min(1).max(128) });
export type Actor = z.infer<typeof actorSchema>;

/** What a command brings to the events it causes; the store adds the rest (recordedAt, hashes). */
export const commandContextSchema = z.strictObject({
  correlationId: z.string().min(1).max(128),
  causationId: z.string().min(1).max(128),
  actor: actorSchema,
  traceparent: z.string().max(128).optional(),
});
export type CommandContext = z.infer<typeof commandContextSchema>;

export const eventMetadataSchema = z.strictObject({
  schemaVersion: z.number().int().positive(),
  txId: txIdSchema.optional(),
  correlationId: z.string(),
  causationId: z.string(),
  actor: actorSchema,
  occurredAt: z.iso.datetime({ offset: true }),
  recordedAt: z.iso.datetime({ offset: true }),
  traceparent: z.string().optional(),
  prevHash: z.string().regex(/^[0-9a-f]{64}$/),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
});
export type EventMetadata = z.infer<typeof eventMetadataSchema>;

/** Metadata of an event about to be appended: the store fills in recordedAt and the hash chain. */
export type NewEventMetadata = Omit<EventMetadata, 'recordedAt' | 'prevHash' | 'hash'>;
