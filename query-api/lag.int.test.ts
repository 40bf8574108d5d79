import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDevToken } from '../http-kit/index.ts';
import { type LedgerStack, startLedgerStack } from '../http-kit/testing/ledger-stack.ts';
import { testJwtSecret } from '../http-kit/testing/ledger-under-test.ts';
import { serviceAvailable } from '../testing/services.ts';

// Read-your-writes when the projections do not follow: the wait is bounded and ends in a 503 the
// client can retry, never in a stale answer.

const postgresUp = await serviceAvailable('postgres');
const admin = createDevToken(testJwtSecret, 'admin', 'ops');
const waitMs = 200;

describe.skipIf(!postgresUp)('query-api when the read models lag', () => {
  let stack: LedgerStack;
  let written = '';

  beforeAll(async () => {
    stack = await startLedgerStack({ projector: false, readYourWritesWaitMs: waitMs });
    const opened = await stack.commands.post(
      '/v1/accounts',
      { accountId: 'acc-1', holderName: 'Test', holderType: 'staff', cardNo: '6222026666660001' },
      { token: admin },
    );
    written = opened.body.position;
  });
  afterAll(async () => stack?.close());

  const expectLagging = async (path: string, headers: Record<string, string> = {}) => {
    const startedAt = Date.now();
    const response = await stack.queries.get(path, { token: admin, headers });
    const waitedMs = Date.now() - startedAt;
    expect(response.status, JSON.stringify(response.body)).toBe(503);
    expect(response.body).toMatchObject({ code: 'projection_lagging', status: 503 });
    expect(response.headers.get('retry-after')).toBe('1');
    expect(waitedMs).toBeGreaterThanOrEqual(waitMs - 20);
    expect(waitedMs).toBeLessThan(waitMs + 2_000);
  };

  it('answers X-Min-Position beyond the read models with 503 projection_lagging after the bounded wait', async () => {
    await expectLagging('/v1/accounts/acc-1', { 'x-min-position': written });
    await expectLagging('/v1/reports/daily', { 'x-min-position': written });
  });

  it('refuses a point-in-time balance the read models cannot answer yet', async () => {
    await expectLagging(`/v1/accounts/acc-1/balance?position=${written}`);
    await expectLagging('/v1/accounts/acc-1/balance');
  });

  it('reports the lag in /health', async () => {
    const health = await stack.queries.get('/health');
    expect(health.body.checks.projections.projections).toContainEqual(
      expect.objectContaining({ projection: 'read-models', position: '0', lagEvents: 1 }),
    );
  });
});
