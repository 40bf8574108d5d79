// http-kit: the fastify plumbing command-api and query-api share — problem+json errors, bearer auth,
// rate limiting, health, metrics, OpenAPI, card masking in responses and logs.
export * from './auth.ts';
export * from './create-app.ts';
export * from './dev-token.ts';
export * from './error-handler.ts';
export * from './health.ts';
export * from './log-masking.ts';
export * from './metrics.ts';
export * from './problem.ts';
export * from './rate-limit.ts';
export * from './schemas.ts';
