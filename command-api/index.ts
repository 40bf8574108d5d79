// command-api: the fastify app that turns HTTP requests into ledger commands (DESIGN.md, port 3000).
// Built, not listening: the runtime calls listen().
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import {
  type AuthOptions,
  createHttpApp,
  type RateLimitOptions,
  registerHealthRoute,
} from '../http-kit/index.ts';
import { type CommandHandler, type EventStore, positionToString } from '../ledger-core/index.ts';
import { createCommandRunner } from './command-runner.ts';
import { registerLifecycleRoutes } from './lifecycle-routes.ts';
import { registerMoneyRoutes } from './money-routes.ts';
import { registerRegistryRoutes } from './registry-routes.ts';

export { commandAccess } from './access.ts';

export type CommandApiOptions = {
  handler: Pick<CommandHandler, 'handle' | 'queueLength'>;
  store: Pick<EventStore, 'headPosition'>;
  auth: AuthOptions;
  /** Device secrets are derived from it (docs/architecture.md). */
  deviceMasterKey: string;
  /** The ledger's business-day time zone, reported by /health so operators can check it. */
  timeZone: string;
  logger: Logger;
  registry?: Registry;
  /** The server clock that dates commands; tests pin it. */
  clock?: () => Date;
  rateLimit?: RateLimitOptions;
  bodyLimitBytes?: number;
};

export const buildCommandApi = async (options: CommandApiOptions): Promise<FastifyInstance> => {
  const { app, metrics } = await createHttpApp({
    service: 'command-api',
    description: 'Commands of the campus ledger: money moves and account, merchant and device lifecycle',
    logger: options.logger,
    auth: options.auth,
    ...(options.registry ? { registry: options.registry } : {}),
    ...(options.rateLimit ? { rateLimit: options.rateLimit } : {}),
    ...(options.bodyLimitBytes ? { bodyLimitBytes: options.bodyLimitBytes } : {}),
  });
  const clock = options.clock ?? (() => new Date());
  const run = createCommandRunner(options.handler, metrics);

  registerMoneyRoutes(app, { run, clock });
  registerLifecycleRoutes(app, { run, clock });
  registerRegistryRoutes(app, { run, clock, deviceMasterKey: options.deviceMasterKey });
  registerHealthRoute(app, 'command-api', {
    eventStore: async () => ({
      ok: true,
      headPosition: positionToString(await options.store.headPosition()),
      queuedCommands: options.handler.queueLength(),
      timeZone: options.timeZone,
    }),
  });
  return app as unknown as FastifyInstance;
};
