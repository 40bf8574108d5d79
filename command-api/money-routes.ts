import type { z } from 'zod';
import {
  accountIdParamsSchema,
  authorize,
  noQuerySchema,
  problemResponses,
  type RouteAccess,
  validationRejection,
  type ZodFastify,
} from '../http-kit/index.ts';
import { LedgerRejection, type MoneyCommand, positionToString } from '../ledger-core/index.ts';
import { commandAccess } from './access.ts';
import type { RunCommand } from './command-runner.ts';
import {
  billPaymentBodySchema,
  chargeBodySchema,
  closeBodySchema,
  moneyMoveResponseSchema,
  refundBodySchema,
  topUpBodySchema,
} from './schemas.ts';

// Money moves. Time is the server's, except for an offline charge, which happened when the terminal
// took it (docs/architecture.md); that time may not lie in the future beyond a small clock skew.

export const maxOfflineClockSkewMs = 5 * 60_000;

export type MoneyRouteDeps = { run: RunCommand; clock: () => Date };

type ChargeBody = z.output<typeof chargeBodySchema>;

const chargeTime = (body: ChargeBody, now: Date): string => {
  if (!body.offline || body.occurredAt === undefined) return now.toISOString();
  if (Date.parse(body.occurredAt) > now.getTime() + maxOfflineClockSkewMs) {
    throw validationRejection('occurredAt lies in the future', [
      { field: 'body.occurredAt', message: 'an offline charge cannot have happened in the future' },
    ]);
  }
  return body.occurredAt;
};

export const registerMoneyRoutes = (app: ZodFastify, { run, clock }: MoneyRouteDeps): void => {
  const moneyRoute = <Body extends z.ZodType>(
    path: string,
    summary: string,
    access: RouteAccess,
    body: Body,
    toCommand: (accountId: string, body: z.output<Body>, now: Date) => MoneyCommand,
  ) =>
    app.post(
      `/v1/accounts/:id/${path}`,
      {
        schema: {
          summary,
          tags: ['money'],
          security: [{ bearerAuth: [] }],
          querystring: noQuerySchema,
          params: accountIdParamsSchema,
          body,
          response: { 200: moneyMoveResponseSchema, ...problemResponses },
        },
        onRequest: authorize(access),
      },
      async (request, reply) => {
        const command = toCommand(request.params.id, request.body as z.output<Body>, clock());
        const outcome = await run(request, command);
        if (outcome.txId === undefined || outcome.balance === undefined) {
          throw new LedgerRejection('internal_error', 'a money command came back without txId or balance');
        }
        if (outcome.replayed) reply.header('Idempotent-Replayed', 'true');
        return {
          txId: outcome.txId,
          status: 'accepted' as const,
          balance: outcome.balance,
          position: positionToString(outcome.position),
        };
      },
    );

  moneyRoute(
    'top-ups',
    'Top up an account',
    commandAccess.topUp,
    topUpBodySchema,
    (accountId, body, now) => ({
      type: 'TopUp',
      occurredAt: now.toISOString(),
      accountId,
      ...body,
    }),
  );
  moneyRoute(
    'charges',
    'Charge an account',
    commandAccess.charge,
    chargeBodySchema,
    (accountId, body, now) => {
      const { occurredAt: _clientTime, ...charge } = body;
      return { type: 'Charge', occurredAt: chargeTime(body, now), accountId, ...charge };
    },
  );
  moneyRoute(
    'refunds',
    'Refund (part of) a charge',
    commandAccess.refund,
    refundBodySchema,
    (accountId, body, now) => ({
      type: 'Refund',
      occurredAt: now.toISOString(),
      accountId,
      ...body,
    }),
  );
  moneyRoute(
    'bill-payments',
    'Pay a campus bill from an account',
    commandAccess.billPayment,
    billPaymentBodySchema,
    (accountId, body, now) => ({ type: 'PayBill', occurredAt: now.toISOString(), accountId, ...body }),
  );
  moneyRoute(
    'close',
    'Close an account and pay out its balance',
    commandAccess.close,
    closeBodySchema,
    (accountId, body, now) => ({ type: 'CloseAccount', occurredAt: now.toISOString(), accountId, ...body }),
  );
};
