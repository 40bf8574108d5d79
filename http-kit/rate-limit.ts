import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import { LedgerRejection } from '../ledger-core/index.ts';

// Rate limiting per client: a token's subject when the request carries a valid token, else the peer
// address. It runs before authorization, so a flood of bad tokens is limited too. Only the API routes
// (/v1/…) count; health, metrics and docs are for operators and probes.

export type RateLimitOptions = { maxRequests: number; timeWindowMs: number };

export const defaultRateLimit: RateLimitOptions = { maxRequests: 1_200, timeWindowMs: 60_000 };
/** Clients remembered by the in-memory limiter; beyond this the least recent are forgotten. */
const rateLimitedClientsCacheSize = 20_000;

export const installRateLimit = async (app: FastifyInstance, options: RateLimitOptions): Promise<void> => {
  await app.register(rateLimit, {
    global: false,
    max: options.maxRequests,
    timeWindow: options.timeWindowMs,
    cache: rateLimitedClientsCacheSize,
    // The limit headers go only on a refusal (with Retry-After), not on every accepted response.
    addHeadersOnExceeding: {
      'x-ratelimit-limit': false,
      'x-ratelimit-remaining': false,
      'x-ratelimit-reset': false,
    },
    keyGenerator: (request) =>
      request.identity ? `token:${request.identity.role}:${request.identity.subject}` : `ip:${request.ip}`,
    allowList: (request) => !request.url.startsWith('/v1/'),
    errorResponseBuilder: (_request, context) =>
      new LedgerRejection(
        'rate_limited',
        `at most ${context.max} requests per client; retry in ${context.after}`,
      ),
  });
  app.addHook('onRequest', app.rateLimit());
};
