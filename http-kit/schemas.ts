import { z } from 'zod';
import { entityIdSchema, holderTypes, maskCardNo, signedMoneySchema } from '../ledger-core/index.ts';

// Response building blocks shared by both APIs. A card number is masked by the response schema itself,
// so no route can send one in full even by mistake.

export const maskedCardNoSchema = z
  .string()
  .overwrite(maskCardNo)
  .describe('Card number with at most the first 4 and last 4 digits shown');

export const positionSchema = z
  .string()
  .regex(/^[0-9]{1,20}$/)
  .describe('Global log position, a decimal integer as a string');

export const moneySchema = signedMoneySchema.describe(
  'CNY as a decimal string with two places, e.g. "12.50"',
);

export const accountIdParamsSchema = z.strictObject({ id: entityIdSchema });

/** A route that takes no query parameters says so: an unknown parameter is a 400 like an unknown field. */
export const noQuerySchema = z.strictObject({});

export const limitsSchema = z.object({
  perTransaction: moneySchema,
  daily: moneySchema,
  offlineLimit: moneySchema,
});

/** Who holds an account and in what state it is: the part of an account both APIs answer alike. */
export const accountHolderFields = {
  accountId: entityIdSchema,
  holderName: z.string(),
  holderType: z.enum(holderTypes),
  status: z.enum(['open', 'frozen', 'closed']),
  cardStatus: z.enum(['active', 'lost']),
  cardNo: maskedCardNoSchema,
};
