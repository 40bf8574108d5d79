import type { z } from 'zod';
import {
  accountIdParamsSchema,
  authorize,
  noQuerySchema,
  problemResponses,
  type RouteAccess,
  type ZodFastify,
} from '../http-kit/index.ts';
import type { AccountCommand } from '../ledger-core/index.ts';
import { commandAccess } from './access.ts';
import { accountViewOf } from './account-view.ts';
import type { RunCommand } from './command-runner.ts';
import {
  accountResponseSchema,
  changeLimitsBodySchema,
  emptyBodySchema,
  freezeBodySchema,
  openAccountBodySchema,
  replaceCardBodySchema,
} from './schemas.ts';

// Account lifecycle. Each answers with the account as the command left it; its position can be
// passed to the query API as X-Min-Position. Repeating a lifecycle command is harmless (no new event).

export type LifecycleRouteDeps = { run: RunCommand; clock: () => Date };

export const registerLifecycleRoutes = (app: ZodFastify, { run, clock }: LifecycleRouteDeps): void => {
  app.post(
    '/v1/accounts',
    {
      schema: {
        summary: 'Open an account',
        tags: ['accounts'],
        security: [{ bearerAuth: [] }],
        querystring: noQuerySchema,
        body: openAccountBodySchema,
        response: { 201: accountResponseSchema, ...problemResponses },
      },
      onRequest: authorize(commandAccess.openAccount),
    },
    async (request, reply) => {
      const outcome = await run(request, {
        type: 'OpenAccount',
        occurredAt: clock().toISOString(),
        ...request.body,
      });
      return reply.code(201).send(accountViewOf(outcome));
    },
  );

  const accountRoute = <Body extends z.ZodType>(
    method: 'POST' | 'PUT',
    path: string,
    summary: string,
    access: RouteAccess,
    body: Body,
    toCommand: (accountId: string, body: z.output<Body>, occurredAt: string) => AccountCommand,
  ) =>
    app.route({
      method,
      url: `/v1/accounts/:id/${path}`,
      schema: {
        summary,
        tags: ['accounts'],
        security: [{ bearerAuth: [] }],
        querystring: noQuerySchema,
        params: accountIdParamsSchema,
        body,
        response: { 200: accountResponseSchema, ...problemResponses },
      },
      onRequest: authorize(access),
      handler: async (request) => {
        const command = toCommand(request.params.id, request.body as z.output<Body>, clock().toISOString());
        return accountViewOf(await run(request, command));
      },
    });

  accountRoute(
    'POST',
    'freeze',
    'Freeze an account',
    commandAccess.freeze,
    freezeBodySchema,
    (id, body, at) => ({
      type: 'FreezeAccount',
      occurredAt: at,
      accountId: id,
      reason: body?.reason ?? '',
    }),
  );
  accountRoute(
    'POST',
    'unfreeze',
    'Unfreeze an account',
    commandAccess.unfreeze,
    emptyBodySchema,
    (id, _body, at) => ({
      type: 'UnfreezeAccount',
      occurredAt: at,
      accountId: id,
    }),
  );
  accountRoute(
    'POST',
    'report-lost',
    'Report the card lost (online charges stop)',
    commandAccess.reportLost,
    emptyBodySchema,
    (id, _body, at) => ({ type: 'ReportCardLost', occurredAt: at, accountId: id }),
  );
  accountRoute(
    'POST',
    'replace-card',
    'Issue a new card for the account',
    commandAccess.replaceCard,
    replaceCardBodySchema,
    (id, body, at) => ({ type: 'ReplaceCard', occurredAt: at, accountId: id, ...body }),
  );
  accountRoute(
    'PUT',
    'limits',
    'Replace the account limits',
    commandAccess.changeLimits,
    changeLimitsBodySchema,
    (id, body, at) => ({ type: 'ChangeLimits', occurredAt: at, accountId: id, ...body }),
  );
};
