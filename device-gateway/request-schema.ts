import { z } from 'zod';
import {
  amountSchema,
  cardNoSchema,
  isoInstantSchema,
  payeeSchema,
  type RejectionCode,
  signedMoneySchema,
} from '../ledger-core/index.ts';

// The payloads of DESIGN.md's device-gateway section. Each request type allows exactly its own fields,
// so a field that does not belong to the type is refused rather than silently ignored.

export const deviceRequestTypes = ['charge', 'refund', 'top-up', 'bill-payment', 'balance'] as const;
export type DeviceRequestType = (typeof deviceRequestTypes)[number];

/**
 * What each kind of device may ask for. A POS terminal sells (charges, refunds its own charges, shows a
 * balance); a kiosk takes cash top-ups and bill payments and shows a balance. Anything else is `forbidden`.
 */
export const requestTypesByDeviceKind = {
  pos: ['charge', 'refund', 'balance'],
  kiosk: ['top-up', 'bill-payment', 'balance'],
} as const satisfies Record<'pos' | 'kiosk', readonly DeviceRequestType[]>;

export const mayDeviceKindSend = (kind: 'pos' | 'kiosk', type: DeviceRequestType): boolean =>
  (requestTypesByDeviceKind[kind] as readonly DeviceRequestType[]).includes(type);

export const seqSchema = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const signatureSchema = z.string().regex(/^[0-9a-f]{64}$/, 'sig must be 64 lowercase hex digits');

const common = { seq: seqSchema, cardNo: cardNoSchema, occurredAt: isoInstantSchema, sig: signatureSchema };
// Only a charge can be made offline: a refund, top-up or bill payment needs the ledger's answer first.
const onlineOnly = { offline: z.literal(false).optional() };

export const deviceRequestSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('charge'),
    ...common,
    amount: amountSchema,
    offline: z.boolean().optional(),
  }),
  z.strictObject({
    type: z.literal('refund'),
    ...common,
    ...onlineOnly,
    amount: amountSchema,
    chargeSeq: seqSchema,
  }),
  z.strictObject({ type: z.literal('top-up'), ...common, ...onlineOnly, amount: amountSchema }),
  z.strictObject({
    type: z.literal('bill-payment'),
    ...common,
    ...onlineOnly,
    amount: amountSchema,
    payee: payeeSchema,
    billRef: z.string().min(1).max(128),
  }),
  z.strictObject({ type: z.literal('balance'), ...common, ...onlineOnly }),
]);
export type DeviceRequest = z.output<typeof deviceRequestSchema>;
type RequestInput = z.input<typeof deviceRequestSchema>;
/** A request as a device writes it, before signing (one variant per type). */
export type UnsignedDeviceRequest = RequestInput extends infer Variant
  ? Variant extends RequestInput
    ? Omit<Variant, 'sig'>
    : never
  : never;

export const deviceResponseSchema = z.strictObject({
  /** Null only when the request was so malformed that its seq could not be read. */
  seq: seqSchema.nullable(),
  status: z.enum(['accepted', 'rejected']),
  code: z.string().optional(),
  txId: z.string().optional(),
  balance: signedMoneySchema.optional(),
  /** The global position of the ledger event, as a decimal string. */
  position: z
    .string()
    .regex(/^[0-9]+$/)
    .optional(),
  replayed: z.boolean().optional(),
});
export type DeviceResponse = z.output<typeof deviceResponseSchema>;

export const rejectedResponse = (
  seq: number | null,
  code: RejectionCode,
  txId: string | undefined,
): DeviceResponse => ({ seq, status: 'rejected', code, ...(txId === undefined ? {} : { txId }) });

export const txIdOfDeviceRequest = (deviceId: string, seq: number): string => `${deviceId}-${seq}`;
