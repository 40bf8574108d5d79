import { z } from 'zod';
import { accountHolderFields, limitsSchema, moneySchema, positionSchema } from '../http-kit/index.ts';
import {
  businessDaySchemaPattern,
  deviceKinds,
  entityIdSchema,
  isoInstantSchema,
  merchantCategories,
} from '../ledger-core/index.ts';

// Query strings are strict like bodies: an unknown parameter is a 400, not silently ignored.

export const maxTransactionsPageSize = 500;
export const defaultTransactionsPageSize = 50;
export const transactionTypes = ['top-up', 'charge', 'refund', 'bill-payment', 'close'] as const;

const integerText = (max: number) =>
  z
    .string()
    .regex(/^[1-9][0-9]{0,5}$/, 'expected a positive integer')
    .transform(Number)
    .pipe(z.number().max(max));

export const businessDateSchema = z
  .string()
  .regex(businessDaySchemaPattern, 'expected a date YYYY-MM-DD')
  .refine((day) => {
    const midnight = Date.parse(`${day}T00:00:00Z`);
    return !Number.isNaN(midnight) && new Date(midnight).toISOString().startsWith(day);
  }, 'not a calendar date');

export const positionQuerySchema = z.string().regex(/^[0-9]{1,19}$/, 'expected a global position');

/** Headers are open (clients send many); the one the query API reads is checked. */
export const readYourWritesHeadersSchema = z.looseObject({
  'x-min-position': positionQuerySchema
    .optional()
    .describe('Read-your-writes: wait (bounded) until the read models have applied this position'),
});

export const merchantIdParamsSchema = z.strictObject({ id: entityIdSchema });
export const deviceIdParamsSchema = z.strictObject({ id: entityIdSchema });

export const accountSchema = z.object({
  ...accountHolderFields,
  balance: moneySchema.describe('Negative when offline charges ran it below zero'),
  debt: moneySchema,
  dailySpent: moneySchema.describe('Charges of the current business day, against the daily limit'),
  limits: limitsSchema,
  position: positionSchema.describe('Position of the latest event applied to this account'),
  revision: z.number().int(),
  updatedAt: isoInstantSchema,
});

export const transactionsQuerySchema = z.strictObject({
  limit: integerText(maxTransactionsPageSize)
    .optional()
    .describe(`Page size, default ${defaultTransactionsPageSize}`),
  cursor: z.string().max(64).optional().describe('nextCursor of the previous page'),
  from: isoInstantSchema.optional().describe('Only transactions that occurred at or after this instant'),
  to: isoInstantSchema.optional().describe('Only transactions that occurred before this instant'),
  type: z.enum(transactionTypes).optional(),
});

export const transactionSchema = z.object({
  txId: z.string(),
  type: z.enum(transactionTypes),
  amount: moneySchema.describe('Signed: what the transaction did to the balance'),
  balanceAfter: moneySchema,
  occurredAt: isoInstantSchema,
  recordedAt: isoInstantSchema,
  position: positionSchema,
  offline: z.boolean(),
  merchantId: z.string().optional(),
  deviceId: z.string().optional(),
  channel: z.string().optional(),
  payee: z.string().optional(),
  billRef: z.string().optional(),
  externalRef: z.string().optional(),
  chargeTxId: z.string().optional(),
});

export const transactionsPageSchema = z.object({
  accountId: entityIdSchema,
  items: z.array(transactionSchema),
  nextCursor: z.string().nullable().describe('Pass as cursor for the next (older) page; null at the end'),
});

export const balanceQuerySchema = z.strictObject({
  asOf: isoInstantSchema.optional().describe('The balance at this instant (recorded time)'),
  position: positionQuerySchema.optional().describe('The balance right after this global position'),
});

export const pointInTimeBalanceSchema = z.object({
  accountId: entityIdSchema,
  balance: moneySchema,
  asOf: isoInstantSchema.nullable(),
  position: positionSchema.nullable(),
  lastMovePosition: positionSchema.nullable().describe('Position of the last money move counted'),
});

const instantOrDate = z.union([businessDateSchema, isoInstantSchema]);

export const salesQuerySchema = z.strictObject({
  from: instantOrDate.optional().describe('Instant, or a date meaning the start of that business day'),
  to: instantOrDate
    .optional()
    .describe('Exclusive; instant, or a date meaning the start of that business day'),
  granularity: z.enum(['hour', 'day']).default('hour'),
});

const salesFiguresSchema = z.object({
  chargesCount: z.number().int(),
  chargesAmount: moneySchema,
  refundsCount: z.number().int(),
  refundsAmount: moneySchema,
  netAmount: moneySchema,
});

export const salesSchema = z.object({
  merchantId: entityIdSchema,
  name: z.string(),
  category: z.enum(merchantCategories),
  granularity: z.enum(['hour', 'day']),
  from: isoInstantSchema,
  to: isoInstantSchema,
  buckets: z.array(
    salesFiguresSchema.extend({
      bucket: z.string().describe('Start of the hour (instant) or the business date (YYYY-MM-DD)'),
    }),
  ),
  totals: salesFiguresSchema,
});

export const dailyReportQuerySchema = z.strictObject({
  date: businessDateSchema.optional().describe('Business date in the ledger time zone; default today'),
});

const totalLineSchema = z.object({ key: z.string(), count: z.number().int(), amount: moneySchema });
const trialBalanceSchema = z.object({
  lines: z.array(z.object({ ledgerAccount: z.string(), balance: moneySchema })),
  total: moneySchema.describe('Always 0.00: double entry'),
});

export const dailyReportSchema = z.object({
  date: z.string(),
  timeZone: z.string(),
  totals: z.object({
    channel: z.array(totalLineSchema),
    merchant: z.array(totalLineSchema),
    payee: z.array(totalLineSchema),
    payout: z.array(totalLineSchema),
  }),
  trialBalance: z.object({
    day: trialBalanceSchema.describe('Postings of the day; all cards as one line card:*'),
    cumulative: trialBalanceSchema.describe('Postings up to and including the day'),
  }),
});

export const deviceSchema = z.object({
  deviceId: entityIdSchema,
  merchantId: entityIdSchema,
  kind: z.enum(deviceKinds),
  keyId: z.string(),
  status: z.enum(['active', 'decommissioned']),
  position: positionSchema,
  presence: z.enum(['online', 'offline', 'unknown']),
  lastSeenAt: isoInstantSchema.nullable(),
  lastSeq: z.number().int().nullable(),
  highestContiguousSeq: z.number().int().nullable(),
  gaps: z.array(z.object({ from: z.number().int(), to: z.number().int() })).describe('Missing seq ranges'),
});
