import { randomUUID } from 'node:crypto';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import { type AuthOptions, createTokenChecker } from './auth.ts';
import { installProblemHandling } from './error-handler.ts';
import { maskingChildLogger } from './log-masking.ts';
import { type HttpMetrics, installHttpMetrics } from './metrics.ts';
import { registerOpenApi } from './openapi.ts';
import { defaultRateLimit, installRateLimit, type RateLimitOptions } from './rate-limit.ts';
import { installRequestContext, TracedRequestLogController } from './request-context.ts';

// The plumbing both APIs share, in the order requests meet it: request id and correlation, token
// identification, rate limiting, then the routes (each authorizes on its own), with problem+json for
// every failure, metrics for every response and OpenAPI for every route.

export const defaultBodyLimitBytes = 16 * 1_024;

export type HttpAppOptions = {
  service: string;
  description: string;
  logger: Logger;
  auth: AuthOptions;
  registry?: Registry;
  rateLimit?: RateLimitOptions;
  bodyLimitBytes?: number;
};

/** A fastify instance whose route schemas are zod schemas. */
export type ZodFastify = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

export type HttpApp = { app: ZodFastify; metrics: HttpMetrics; registry: Registry };

export const createHttpApp = async (options: HttpAppOptions): Promise<HttpApp> => {
  const logController = new TracedRequestLogController();
  const base = Fastify({
    loggerInstance: maskingChildLogger(options.logger, { service: options.service }),
    logController,
    bodyLimit: options.bodyLimitBytes ?? defaultBodyLimitBytes,
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    return503OnClosing: true,
  }) as unknown as FastifyInstance;
  base.setValidatorCompiler(validatorCompiler);
  base.setSerializerCompiler(serializerCompiler);
  // JSON only: any other body is refused with 415 before it is read.
  base.removeContentTypeParser('text/plain');
  installProblemHandling(base);
  installRequestContext(base, logController);

  const checkToken = createTokenChecker(options.auth);
  base.decorateRequest('identity', undefined);
  base.decorateRequest('authFailure', undefined);
  base.addHook('onRequest', (request, _reply, done) => {
    const result = checkToken(request.headers.authorization);
    if (result !== undefined) {
      if ('identity' in result) request.identity = result.identity;
      else request.authFailure = result.failure;
    }
    done();
  });

  await installRateLimit(base, options.rateLimit ?? defaultRateLimit);
  const registry = options.registry ?? new Registry();
  const metrics = installHttpMetrics(base, registry, options.service);
  await registerOpenApi(base, { title: options.service, description: options.description, version: '1' });
  return { app: base.withTypeProvider<ZodTypeProvider>(), metrics, registry };
};
