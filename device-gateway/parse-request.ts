import { type DeviceRequest, deviceRequestSchema, seqSchema } from './request-schema.ts';

// The first line of defence against whatever arrives on a requests topic: a size limit before any
// parsing, a JSON parse that cannot throw, then the schema. The raw object is kept because the
// signature covers exactly what the device sent, before any normalisation by the schema.

/** Larger payloads are refused unread: a real request is a few hundred bytes. */
export const defaultMaxRequestBytes = 4_096;

export type ParsedRequest =
  | { ok: true; request: DeviceRequest; raw: Record<string, unknown> }
  | { ok: false; reason: 'too_large' | 'not_json' | 'invalid'; seq: number | null; issues?: string };

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The seq of a request that is otherwise invalid, so the device can still tell which one was refused. */
const readableSeq = (value: Record<string, unknown>): number | null => {
  const parsed = seqSchema.safeParse(value.seq);
  return parsed.success ? parsed.data : null;
};

export const parseDeviceRequest = (
  payload: Buffer,
  maxRequestBytes = defaultMaxRequestBytes,
): ParsedRequest => {
  if (payload.length > maxRequestBytes) return { ok: false, reason: 'too_large', seq: null };
  let value: unknown;
  try {
    value = JSON.parse(payload.toString('utf8'));
  } catch {
    return { ok: false, reason: 'not_json', seq: null };
  }
  if (!isPlainObject(value)) return { ok: false, reason: 'invalid', seq: null };
  const parsed = deviceRequestSchema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    return { ok: false, reason: 'invalid', seq: readableSeq(value), issues };
  }
  return { ok: true, request: parsed.data, raw: value };
};
