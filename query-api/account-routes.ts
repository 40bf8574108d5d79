import type { Knex } from 'knex';
import type { z } from 'zod';
import {
  accountIdParamsSchema,
  authorize,
  noQuerySchema,
  problemResponses,
  type ZodFastify,
} from '../http-kit/index.ts';
import { businessDayOf, LedgerRejection, positionToString } from '../ledger-core/index.ts';
import { queryAccess } from './access.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import type { QueryRouteDeps } from './query-deps.ts';
import { instantText, moneyText, optional } from './rows.ts';
import {
  accountSchema,
  defaultTransactionsPageSize,
  readYourWritesHeadersSchema,
  type transactionSchema,
  transactionsPageSchema,
  transactionsQuerySchema,
} from './schemas.ts';

// An account's current state and its statement, from the account_balances and account_transactions
// read models.

type AccountRow = {
  account_id: string;
  holder_name: string;
  holder_type: 'student' | 'staff' | 'visitor';
  status: 'open' | 'frozen' | 'closed';
  card_status: 'active' | 'lost';
  card_masked: string;
  balance: string;
  debt: string;
  daily_day: string | null;
  daily_spent: string;
  per_transaction_limit: string;
  daily_limit: string;
  offline_limit: string;
  revision: number;
  position: string;
  updated_at: Date;
};

type TransactionRow = {
  tx_id: string;
  type: z.infer<typeof transactionSchema>['type'];
  amount: string;
  balance_after: string;
  occurred_at: Date;
  recorded_at: Date;
  position: string;
  offline: boolean;
  merchant_id: string | null;
  device_id: string | null;
  channel: string | null;
  payee: string | null;
  bill_ref: string | null;
  external_ref: string | null;
  charge_tx_id: string | null;
};

export const findAccount = async (db: Knex, accountId: string): Promise<AccountRow> => {
  const { rows } = await db.raw<{ rows: AccountRow[] }>(
    `SELECT account_id, holder_name, holder_type, status, card_status, card_masked, balance, debt,
            to_char(daily_day, 'YYYY-MM-DD') AS daily_day, daily_spent, per_transaction_limit, daily_limit,
            offline_limit, revision, position::text AS position, updated_at
       FROM account_balances WHERE account_id = ?`,
    [accountId],
  );
  const row = rows[0];
  if (!row) throw new LedgerRejection('account_not_found', `no account ${accountId}`);
  return row;
};

export const registerAccountRoutes = (app: ZodFastify, deps: QueryRouteDeps): void => {
  const { db, clock, timeZone, readYourWrites } = deps;

  app.get(
    '/v1/accounts/:id',
    {
      schema: {
        summary: 'An account: status, balance, limits, today’s spending',
        tags: ['accounts'],
        security: [{ bearerAuth: [] }],
        headers: readYourWritesHeadersSchema,
        params: accountIdParamsSchema,
        querystring: noQuerySchema,
        response: { 200: accountSchema, ...problemResponses },
      },
      onRequest: authorize(queryAccess.account),
      preHandler: readYourWrites,
    },
    async (request) => {
      const row = await findAccount(db, request.params.id);
      const today = businessDayOf(clock(), timeZone);
      return {
        accountId: row.account_id,
        holderName: row.holder_name,
        holderType: row.holder_type,
        status: row.status,
        cardStatus: row.card_status,
        cardNo: row.card_masked,
        balance: moneyText(row.balance),
        debt: moneyText(row.debt),
        // The read model keeps the latest day with charges; any other day has spent nothing yet.
        dailySpent: moneyText(row.daily_day === today ? row.daily_spent : '0'),
        limits: {
          perTransaction: moneyText(row.per_transaction_limit),
          daily: moneyText(row.daily_limit),
          offlineLimit: moneyText(row.offline_limit),
        },
        position: row.position,
        revision: row.revision,
        updatedAt: instantText(row.updated_at),
      };
    },
  );

  app.get(
    '/v1/accounts/:id/transactions',
    {
      schema: {
        summary: 'An account’s transactions, newest first, in pages',
        tags: ['accounts'],
        security: [{ bearerAuth: [] }],
        headers: readYourWritesHeadersSchema,
        params: accountIdParamsSchema,
        querystring: transactionsQuerySchema,
        response: { 200: transactionsPageSchema, ...problemResponses },
      },
      onRequest: authorize(queryAccess.transactions),
      preHandler: readYourWrites,
    },
    async (request) => {
      const { id } = request.params;
      const query = request.query;
      const pageSize = query.limit ?? defaultTransactionsPageSize;
      const below = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
      await findAccount(db, id);
      const rows: TransactionRow[] = await db('account_transactions')
        .select(
          'tx_id',
          'type',
          'amount',
          'balance_after',
          'occurred_at',
          'recorded_at',
          db.raw('position::text AS position'),
          'offline',
          'merchant_id',
          'device_id',
          'channel',
          'payee',
          'bill_ref',
          'external_ref',
          'charge_tx_id',
        )
        .where('account_id', id)
        .modify((builder) => {
          if (below !== undefined)
            builder.where('account_transactions.position', '<', positionToString(below));
          if (query.from !== undefined) builder.where('occurred_at', '>=', query.from);
          if (query.to !== undefined) builder.where('occurred_at', '<', query.to);
          if (query.type !== undefined) builder.where('type', query.type);
        })
        // Qualified: a bare `position` would sort by the text column of the select list.
        .orderBy('account_transactions.position', 'desc')
        .limit(pageSize + 1);
      const page = rows.slice(0, pageSize);
      const last = page[page.length - 1];
      return {
        accountId: id,
        items: page.map((row) => ({
          txId: row.tx_id,
          type: row.type,
          amount: moneyText(row.amount),
          balanceAfter: moneyText(row.balance_after),
          occurredAt: instantText(row.occurred_at),
          recordedAt: instantText(row.recorded_at),
          position: row.position,
          offline: row.offline,
          merchantId: optional(row.merchant_id),
          deviceId: optional(row.device_id),
          channel: optional(row.channel),
          payee: optional(row.payee),
          billRef: optional(row.bill_ref),
          externalRef: optional(row.external_ref),
          chargeTxId: optional(row.charge_tx_id),
        })),
        nextCursor: rows.length > pageSize && last ? encodeCursor(BigInt(last.position)) : null,
      };
    },
  );
};
