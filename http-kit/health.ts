import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';

// GET /health reports each dependency on its own, so an operator sees which one is down. Every check
// is bounded: a hung database makes the check fail, not the health endpoint hang.

export const healthCheckTimeoutMs = 1_000;

export type HealthCheckResult = { ok: boolean; detail?: string; [extra: string]: unknown };
export type HealthChecks = Record<string, () => Promise<HealthCheckResult>>;

const checkSchema = z
  .object({ ok: z.boolean(), latencyMs: z.number(), detail: z.string().optional() })
  .catchall(z.unknown());
const healthSchema = z.object({
  status: z.enum(['ok', 'unavailable']),
  service: z.string(),
  checks: z.record(z.string(), checkSchema),
});

const withTimeout = async (check: () => Promise<HealthCheckResult>): Promise<HealthCheckResult> => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<HealthCheckResult>((resolve) => {
    timer = setTimeout(
      () => resolve({ ok: false, detail: `no answer within ${healthCheckTimeoutMs} ms` }),
      healthCheckTimeoutMs,
    );
  });
  try {
    return await Promise.race([
      check().catch((error: unknown) => ({ ok: false, detail: (error as Error).message })),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
};

export const registerHealthRoute = (app: FastifyInstance, service: string, checks: HealthChecks): void => {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/health',
    {
      schema: {
        summary: 'Dependency state; 503 when any dependency is down',
        response: { 200: healthSchema, 503: healthSchema },
      },
    },
    async (_request, reply) => {
      const entries = await Promise.all(
        Object.entries(checks).map(async ([name, check]) => {
          const startedAt = performance.now();
          const result = await withTimeout(check);
          return [name, { ...result, latencyMs: Math.round(performance.now() - startedAt) }] as const;
        }),
      );
      const ok = entries.every(([, result]) => result.ok);
      return reply
        .code(ok ? 200 : 503)
        .send({ status: ok ? 'ok' : 'unavailable', service, checks: Object.fromEntries(entries) });
    },
  );
};
