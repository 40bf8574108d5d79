import { createSigner } from 'fast-jwt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDevToken, type Role } from '../http-kit/index.ts';
import { type LedgerStack, projectionsCaughtUp, startLedgerStack } from '../http-kit/testing/ledger-stack.ts';
import { testJwtSecret } from '../http-kit/testing/ledger-under-test.ts';
import { serviceAvailable } from '../testing/services.ts';

// Every role against every query route, against the matrix of command-api/README.md written out here.

const postgresUp = await serviceAvailable('postgres');

const routes = {
  account: '/v1/accounts/acc-1',
  transactions: '/v1/accounts/acc-1/transactions',
  balance: '/v1/accounts/acc-1/balance',
  merchantSales: '/v1/merchants/m-1/sales',
  dailyReport: '/v1/reports/daily',
  device: '/v1/devices/d-1',
} as const;
const matrix: Record<keyof typeof routes, readonly Role[]> = {
  account: ['admin', 'pos', 'finance', 'auditor', 'student'],
  transactions: ['admin', 'finance', 'auditor', 'student'],
  balance: ['admin', 'pos', 'finance', 'auditor', 'student'],
  merchantSales: ['admin', 'finance', 'auditor'],
  dailyReport: ['admin', 'finance', 'auditor'],
  device: ['admin', 'auditor'],
};
const tokens = {
  admin: createDevToken(testJwtSecret, 'admin', 'ops'),
  pos: createDevToken(testJwtSecret, 'pos', 'till-1'),
  finance: createDevToken(testJwtSecret, 'finance', 'fin-1'),
  auditor: createDevToken(testJwtSecret, 'auditor', 'aud-1'),
  student: createDevToken(testJwtSecret, 'student', 'acc-1'),
} satisfies Record<Role, string>;

describe.skipIf(!postgresUp)('query-api authorization', () => {
  let stack: LedgerStack;

  beforeAll(async () => {
    stack = await startLedgerStack();
    const as = { token: tokens.admin };
    await stack.commands.post('/v1/merchants', { merchantId: 'm-1', name: 'Shop', category: 'shop' }, as);
    await stack.commands.post('/v1/devices', { deviceId: 'd-1', merchantId: 'm-1', kind: 'kiosk' }, as);
    for (const accountId of ['acc-1', 'acc-2']) {
      await stack.commands.post(
        '/v1/accounts',
        {
          accountId,
          holderName: 'Test',
          holderType: 'student',
          cardNo: `62220277777700${accountId.slice(-1)}0`,
        },
        as,
      );
    }
    await projectionsCaughtUp(stack);
  });
  afterAll(async () => stack?.close());

  for (const [name, path] of Object.entries(routes) as [keyof typeof routes, string][]) {
    it(`${name}: 200 for ${matrix[name].join(', ')}, 403 for the other roles`, async () => {
      for (const [role, token] of Object.entries(tokens) as [Role, string][]) {
        const response = await stack.queries.get(path, { token });
        const seen = `${role} → ${response.status} ${JSON.stringify(response.body)}`;
        if (matrix[name].includes(role)) expect(response.status, seen).toBe(200);
        else expect(response.body, seen).toMatchObject({ status: 403, code: 'forbidden' });
      }
    });
  }

  it('keeps a student to its own account', async () => {
    for (const path of [
      '/v1/accounts/acc-2',
      '/v1/accounts/acc-2/transactions',
      '/v1/accounts/acc-2/balance',
    ]) {
      const response = await stack.queries.get(path, { token: tokens.student });
      expect(response.body, path).toMatchObject({ status: 403, code: 'forbidden' });
    }
  });

  it('refuses missing, expired and badly signed tokens with 401 on every route', async () => {
    const hourMs = 3_600_000;
    const expired = createSigner({
      key: testJwtSecret,
      expiresIn: hourMs,
      clockTimestamp: Date.now() - 2 * hourMs,
    })({
      role: 'admin',
    });
    const forged = createDevToken('not-the-secret-0123456789abcdef', 'admin', 'ops');
    for (const path of Object.values(routes)) {
      for (const token of [undefined, expired, forged]) {
        const response = await stack.queries.get(path, token ? { token } : {});
        expect(response.status, path).toBe(401);
        expect(response.body).toMatchObject({ code: 'unauthorized' });
      }
    }
  });
});
