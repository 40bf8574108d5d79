import Fastify, { type FastifyInstance, LogController } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Knex } from 'knex';
import type { Registry } from 'prom-client';
import { maskingChildLogger, registerHealthRoute } from '../http-kit/index.ts';
import { type EventStore, positionToString } from '../ledger-core/index.ts';
import type { Logger } from './logger.ts';

// The device gateway, the relay and the projector serve no HTTP API, so a process running only those
// (one container each in docker-compose) has nowhere to be scraped: with METRICS_PORT set it gets this
// small listener, GET /metrics (the process's registry) and GET /health (event store and read models).

export type MetricsListener = { address: string; stop: () => Promise<void> };

export const startMetricsListener = async (options: {
  /** Names the process in /health, e.g. `device-gateway` or `relay,projections`. */
  service: string;
  host: string;
  port: number;
  registry: Registry;
  store: Pick<EventStore, 'headPosition'>;
  db: Knex;
  logger: Logger;
}): Promise<MetricsListener> => {
  const { registry, store, db } = options;
  const app = Fastify({
    loggerInstance: maskingChildLogger(options.logger, {
      service: options.service,
      component: 'metrics-listener',
    }),
    // A scrape every few seconds is not worth two log lines each.
    logController: new LogController({ disableRequestLogging: true }),
  }) as unknown as FastifyInstance;
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.get('/metrics', async (_request, reply) =>
    reply.type(registry.contentType).send(await registry.metrics()),
  );
  registerHealthRoute(app, options.service, {
    eventStore: async () => ({ ok: true, headPosition: positionToString(await store.headPosition()) }),
    readModels: async () => {
      await db.raw('SELECT 1');
      return { ok: true };
    },
  });
  const address = await app.listen({ host: options.host, port: options.port });
  return { address, stop: () => app.close() };
};
