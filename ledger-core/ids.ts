import { z } from 'zod';

// Identifiers that reach stream names, topics and SQL are kept to a small, safe alphabet.

/** A client-made transaction id: 1–64 chars of [A-Za-z0-9._:-]. */
export const txIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{1,64}$/, 'txId must be 1–64 characters of A-Z a-z 0-9 . _ : -');

/** Account, merchant and device ids: 1–64 chars of [A-Za-z0-9_-]. */
export const entityIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'id must be 1–64 characters of A-Z a-z 0-9 _ -');

/** A campus card number: 8 to 19 digits. */
export const cardNoSchema = z.string().regex(/^[0-9]{8,19}$/, 'cardNo must be 8 to 19 digits');

export const isoInstantSchema = z.iso.datetime({ offset: true });

export type StreamCategory = 'account' | 'merchant' | 'device';

export const streamIdOf = (category: StreamCategory, id: string): string => `${category}-${id}`;

export const parseStreamId = (streamId: string): { category: StreamCategory; id: string } | undefined => {
  const match = /^(account|merchant|device)-(.+)$/.exec(streamId);
  if (!match) return undefined;
  return { category: match[1] as StreamCategory, id: match[2] as string };
};
