import type { Knex } from 'knex';
import { authorize, problemResponses, type ZodFastify } from '../http-kit/index.ts';
import { businessDayOf, formatMoney, money, sumMoney } from '../ledger-core/index.ts';
import { queryAccess } from './access.ts';
import type { QueryRouteDeps } from './query-deps.ts';
import { moneyText } from './rows.ts';
import { dailyReportQuerySchema, dailyReportSchema, readYourWritesHeadersSchema } from './schemas.ts';

// The daily report of a business day: totals by channel, merchant, payee and payout from daily_totals,
// and the trial balance of the journal for the day and up to it. Card accounts are summed into one
// line (`card:*`) so the report stays the same size however many cards there are; per-card balances
// are what GET /v1/accounts/{id} is for.

const dimensions = ['channel', 'merchant', 'payee', 'payout'] as const;
export const allCardsLedgerAccount = 'card:*';

type TotalRow = { dimension: (typeof dimensions)[number]; key: string; count: number; amount: string };
type TrialRow = { ledger_account: string; balance: string };

const trialBalance = async (db: Knex, date: string, cumulative: boolean) => {
  const { rows } = await db.raw<{ rows: TrialRow[] }>(
    `SELECT CASE WHEN ledger_account LIKE 'card:%' THEN ? ELSE ledger_account END AS ledger_account,
            sum(amount)::text AS balance
       FROM journal_postings
      WHERE business_date ${cumulative ? '<=' : '='} ?::date
      GROUP BY 1 ORDER BY 1`,
    [allCardsLedgerAccount, date],
  );
  return {
    lines: rows.map((row) => ({ ledgerAccount: row.ledger_account, balance: moneyText(row.balance) })),
    total: formatMoney(sumMoney(rows.map((row) => money(row.balance)))),
  };
};

export const registerDailyReportRoute = (
  app: ZodFastify,
  { db, clock, timeZone, readYourWrites }: QueryRouteDeps,
): void => {
  app.get(
    '/v1/reports/daily',
    {
      schema: {
        summary: 'Totals of a business day and its trial balance',
        tags: ['reports'],
        security: [{ bearerAuth: [] }],
        headers: readYourWritesHeadersSchema,
        querystring: dailyReportQuerySchema,
        response: { 200: dailyReportSchema, ...problemResponses },
      },
      onRequest: authorize(queryAccess.dailyReport),
      preHandler: readYourWrites,
    },
    async (request) => {
      const date = request.query.date ?? businessDayOf(clock(), timeZone);
      const [totalRows, day, cumulative] = await Promise.all([
        db('daily_totals')
          .select('dimension', 'key', 'count', db.raw('amount::text AS amount'))
          .where('business_date', date)
          .orderBy(['dimension', 'key']) as Promise<TotalRow[]>,
        trialBalance(db, date, false),
        trialBalance(db, date, true),
      ]);
      const totalsOf = (dimension: TotalRow['dimension']) =>
        totalRows
          .filter((row) => row.dimension === dimension)
          .map((row) => ({ key: row.key, count: Number(row.count), amount: moneyText(row.amount) }));
      return {
        date,
        timeZone,
        totals: {
          channel: totalsOf('channel'),
          merchant: totalsOf('merchant'),
          payee: totalsOf('payee'),
          payout: totalsOf('payout'),
        },
        trialBalance: { day, cumulative },
      };
    },
  );
};
