import { authorize, problemResponses, validationRejection, type ZodFastify } from '../http-kit/index.ts';
import {
  businessDayBounds,
  businessDayOf,
  businessDaySchemaPattern,
  formatMoney,
  LedgerRejection,
  money,
  sumMoney,
} from '../ledger-core/index.ts';
import { queryAccess } from './access.ts';
import type { QueryRouteDeps } from './query-deps.ts';
import { instantText } from './rows.ts';
import {
  merchantIdParamsSchema,
  readYourWritesHeadersSchema,
  salesQuerySchema,
  salesSchema,
} from './schemas.ts';

// A merchant's sales from the hourly merchant_sales read model, by hour or by business day. A day
// bucket sums the hours that start in that day in the ledger time zone (exact for whole-hour offsets
// such as Asia/Shanghai's).

export const maxSalesRangeDays = { hour: 31, day: 366 } as const;
const dayMs = 86_400_000;

type BucketRow = {
  bucket: Date | string;
  charges_count: number;
  charges_amount: string;
  refunds_count: number;
  refunds_amount: string;
};

const figuresOf = (
  rows: Pick<BucketRow, 'charges_count' | 'charges_amount' | 'refunds_count' | 'refunds_amount'>[],
) => {
  const chargesAmount = sumMoney(rows.map((row) => money(row.charges_amount)));
  const refundsAmount = sumMoney(rows.map((row) => money(row.refunds_amount)));
  return {
    chargesCount: rows.reduce((count, row) => count + Number(row.charges_count), 0),
    chargesAmount: formatMoney(chargesAmount),
    refundsCount: rows.reduce((count, row) => count + Number(row.refunds_count), 0),
    refundsAmount: formatMoney(refundsAmount),
    netAmount: formatMoney(chargesAmount.minus(refundsAmount)),
  };
};

export const registerMerchantSalesRoute = (
  app: ZodFastify,
  { db, clock, timeZone, readYourWrites }: QueryRouteDeps,
): void => {
  const instantOf = (value: string): Date =>
    businessDaySchemaPattern.test(value) ? businessDayBounds(value, timeZone).start : new Date(value);

  app.get(
    '/v1/merchants/:id/sales',
    {
      schema: {
        summary: 'A merchant’s charges and refunds by hour or business day',
        tags: ['merchants'],
        security: [{ bearerAuth: [] }],
        headers: readYourWritesHeadersSchema,
        params: merchantIdParamsSchema,
        querystring: salesQuerySchema,
        response: { 200: salesSchema, ...problemResponses },
      },
      onRequest: authorize(queryAccess.merchantSales),
      preHandler: readYourWrites,
    },
    async (request) => {
      const { id } = request.params;
      const { granularity } = request.query;
      const today = businessDayBounds(businessDayOf(clock(), timeZone), timeZone);
      const from = request.query.from === undefined ? today.start : instantOf(request.query.from);
      const to = request.query.to === undefined ? today.end : instantOf(request.query.to);
      const rangeDays = (to.getTime() - from.getTime()) / dayMs;
      if (rangeDays <= 0 || rangeDays > maxSalesRangeDays[granularity]) {
        throw validationRejection(
          `from must be before to, at most ${maxSalesRangeDays[granularity]} days apart`,
          [
            {
              field: 'querystring.to',
              message: `a range of 0 to ${maxSalesRangeDays[granularity]} days by ${granularity}`,
            },
          ],
        );
      }
      const merchant = await db('merchants').select('name', 'category').where('merchant_id', id).first();
      if (!merchant) throw new LedgerRejection('not_found', `no merchant ${id}`);

      const bucketColumn =
        granularity === 'hour'
          ? db.raw('hour AS bucket')
          : db.raw(`to_char(hour AT TIME ZONE ?, 'YYYY-MM-DD') AS bucket`, [timeZone]);
      const rows: BucketRow[] = await db('merchant_sales')
        .select(
          bucketColumn,
          db.raw('sum(charges_count)::int AS charges_count'),
          db.raw('sum(charges_amount)::text AS charges_amount'),
          db.raw('sum(refunds_count)::int AS refunds_count'),
          db.raw('sum(refunds_amount)::text AS refunds_amount'),
        )
        .where('merchant_id', id)
        .where('hour', '>=', from.toISOString())
        .where('hour', '<', to.toISOString())
        .groupByRaw('1')
        .orderByRaw('1');
      return {
        merchantId: id,
        name: merchant.name,
        category: merchant.category,
        granularity,
        from: from.toISOString(),
        to: to.toISOString(),
        buckets: rows.map((row) => ({
          bucket: granularity === 'hour' ? instantText(row.bucket) : String(row.bucket),
          ...figuresOf([row]),
        })),
        totals: figuresOf(rows),
      };
    },
  );
};
