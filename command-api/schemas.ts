import { z } from 'zod';
import { accountHolderFields, limitsSchema, moneySchema, positionSchema } from '../http-kit/index.ts';
import {
  accountCommandSchemas,
  deviceCommandSchemas,
  entityIdSchema,
  isoInstantSchema,
  merchantCategories,
  merchantCommandSchemas,
  txIdSchema,
} from '../ledger-core/index.ts';

// HTTP bodies are the ledger-core command schemas minus what the server supplies (type, occurredAt,
// the account id from the path), so the API validates exactly what the ledger accepts. They are
// strict: an unknown field is a 400, never silently dropped.

const a = accountCommandSchemas;
const serverSupplied = { type: true, occurredAt: true } as const;
const fromPath = { ...serverSupplied, accountId: true } as const;

export const topUpBodySchema = a.TopUp.omit(fromPath);
export const chargeBodySchema = a.Charge.omit({ ...fromPath, cardNo: true }).extend({
  occurredAt: isoInstantSchema
    .optional()
    .describe('When the terminal took the charge; honoured only for offline charges'),
});
export const refundBodySchema = a.Refund.omit(fromPath);
export const billPaymentBodySchema = a.PayBill.omit({ ...fromPath, cardNo: true });
export const closeBodySchema = a.CloseAccount.omit(fromPath);

export const openAccountBodySchema = a.OpenAccount.omit(serverSupplied);
// Bodies of commands without required fields may be left out entirely (fastify then sees null).
export const freezeBodySchema = a.FreezeAccount.omit(fromPath).nullish();
export const emptyBodySchema = z.strictObject({}).nullish();
export const replaceCardBodySchema = a.ReplaceCard.omit(fromPath);
export const changeLimitsBodySchema = a.ChangeLimits.omit(fromPath);

export const registerMerchantBodySchema = merchantCommandSchemas.RegisterMerchant.omit(serverSupplied);
export const defaultDeviceKeyId = 'k1';
export const registerDeviceBodySchema = deviceCommandSchemas.RegisterDevice.omit(serverSupplied).extend({
  keyId: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,64}$/, 'keyId must be 1–64 characters of A-Z a-z 0-9 . _ : -')
    .default(defaultDeviceKeyId)
    .describe('Names the device secret; registering a new keyId rotates it'),
});

export const moneyMoveResponseSchema = z.object({
  txId: txIdSchema,
  status: z.literal('accepted'),
  balance: moneySchema.describe('The balance right after this transaction (negative = debt)'),
  position: positionSchema,
});

export const accountResponseSchema = z.object({
  ...accountHolderFields,
  balance: moneySchema,
  limits: limitsSchema,
  position: positionSchema.describe('Position of the account’s latest event; use it as X-Min-Position'),
  revision: z.number().int(),
});

export const merchantResponseSchema = z.object({
  merchantId: entityIdSchema,
  name: z.string(),
  category: z.enum(merchantCategories),
  position: positionSchema,
});

export const deviceResponseSchema = z.object({
  deviceId: entityIdSchema,
  merchantId: entityIdSchema,
  kind: z.enum(['pos', 'kiosk']),
  keyId: z.string(),
  secret: z.string().describe('The device secret (hex); shown only in this response'),
  position: positionSchema,
});
