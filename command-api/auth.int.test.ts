import { createSigner } from 'fast-jwt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDevToken, type Role } from '../http-kit/index.ts';
import { testJwtSecret } from '../http-kit/testing/ledger-under-test.ts';
import { serviceAvailable } from '../testing/services.ts';
import type { CommandRouteName } from './access.ts';
import { commandRouteCases } from './route-cases.ts';
import { type CommandApiUnderTest, seedWorld, startCommandApi } from './test-app.ts';

// Every role against every command route, checked against the role matrix of README.md written out
// here on its own (not read from the code it checks).

const postgresUp = await serviceAvailable('postgres');

const matrix: Record<CommandRouteName, readonly Role[]> = {
  openAccount: ['admin'],
  topUp: ['admin', 'finance'],
  charge: ['admin', 'pos'],
  refund: ['admin', 'pos', 'finance'],
  billPayment: ['admin', 'pos'],
  close: ['admin', 'finance'],
  freeze: ['admin'],
  unfreeze: ['admin'],
  reportLost: ['admin', 'student'],
  replaceCard: ['admin'],
  changeLimits: ['admin'],
  registerMerchant: ['admin'],
  registerDevice: ['admin'],
};
const roleTokens = {
  admin: createDevToken(testJwtSecret, 'admin', 'ops'),
  pos: createDevToken(testJwtSecret, 'pos', 'till-7'),
  finance: createDevToken(testJwtSecret, 'finance', 'fin-1'),
  auditor: createDevToken(testJwtSecret, 'auditor', 'aud-1'),
  // The student owns the account every account route here names.
  student: createDevToken(testJwtSecret, 'student', 'acc-lost'),
} satisfies Record<Role, string>;

const hourMs = 3_600_000;
const badTokens: Record<string, string> = {
  expired: createSigner({ key: testJwtSecret, expiresIn: hourMs, clockTimestamp: Date.now() - 2 * hourMs })({
    role: 'admin',
    sub: 'ops',
  }),
  'signed with another secret': createDevToken('another-secret-0123456789abcdef', 'admin', 'ops'),
  'without expiry': createSigner({ key: testJwtSecret })({ role: 'admin', sub: 'ops' }),
  'of an unknown role': createSigner({ key: testJwtSecret, expiresIn: hourMs })({ role: 'root', sub: 'ops' }),
  'signed HS512': createSigner({ key: testJwtSecret, algorithm: 'HS512', expiresIn: hourMs })({
    role: 'admin',
  }),
  'unsigned (alg none)': `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(
    JSON.stringify({ role: 'admin', sub: 'ops', exp: Math.floor(Date.now() / 1000) + 3600 }),
  ).toString('base64url')}.`,
  'with a student subject that is no account id': createSigner({ key: testJwtSecret, expiresIn: hourMs })({
    role: 'student',
    sub: '../acc-1',
  }),
};

describe.skipIf(!postgresUp)('command-api authorization', () => {
  let server: CommandApiUnderTest;

  beforeAll(async () => {
    server = await startCommandApi();
    await seedWorld(server.api, roleTokens.admin);
  });
  afterAll(async () => server?.close());

  const routes = commandRouteCases('auth');
  for (const route of routes) {
    it(`${route.name}: allowed for ${matrix[route.name].join(', ')}, 403 for the other roles`, async () => {
      for (const [role, token] of Object.entries(roleTokens) as [Role, string][]) {
        const body = route.valid
          ? JSON.parse(JSON.stringify(route.valid).replaceAll('auth', `auth-${role}`))
          : undefined;
        const response = await server.api.request(route.method, route.path('acc-lost'), { token, body });
        const seen = `${role} → ${response.status} ${JSON.stringify(response.body)}`;
        if (matrix[route.name].includes(role)) {
          expect([401, 403], seen).not.toContain(response.status);
        } else {
          expect(response.status, seen).toBe(403);
          expect(response.body, seen).toMatchObject({ code: 'forbidden' });
        }
      }
    });
  }

  it('refuses a student on another account with 403', async () => {
    const otherStudent = createDevToken(testJwtSecret, 'student', 'acc-1');
    const response = await server.api.post('/v1/accounts/acc-lost/report-lost', {}, { token: otherStudent });
    expect(response.status).toBe(403);
    expect(response.body).toMatchObject({ code: 'forbidden' });
  });

  it.each(Object.entries(badTokens))('refuses a token %s with 401 on every route', async (_label, token) => {
    for (const route of routes) {
      const response = await server.api.request(route.method, route.path('acc-1'), {
        token,
        body: route.valid,
      });
      expect(response.status, route.name).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
      expect(response.body).toMatchObject({ code: 'unauthorized', status: 401 });
    }
  });

  it('refuses a missing token and other schemes with 401, before looking at the body', async () => {
    const headerSets: Record<string, string>[] = [
      {},
      { authorization: 'Basic YWRtaW46YWRtaW4=' },
      { authorization: 'Bearer' },
    ];
    for (const headers of headerSets) {
      const response = await server.api.request('POST', '/v1/accounts/acc-1/charges', {
        headers,
        body: { junk: 1 },
      });
      expect(response.status).toBe(401);
      expect(response.body).toMatchObject({ code: 'unauthorized' });
    }
  });
});

describe.skipIf(!postgresUp)('command-api rate limiting', () => {
  let server: CommandApiUnderTest;
  beforeAll(async () => {
    server = await startCommandApi({ rateLimit: { maxRequests: 3, timeWindowMs: 60_000 } });
  });
  afterAll(async () => server?.close());

  it('limits each client on its own and answers 429 rate_limited with Retry-After', async () => {
    const pos = createDevToken(testJwtSecret, 'pos', 'till-1');
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 4; attempt += 1) {
      const response = await server.api.post(
        '/v1/accounts/x/charges',
        { txId: `t-${attempt}`, amount: '1.00', merchantId: 'm' },
        { token: pos },
      );
      statuses.push(response.status);
      if (response.status === 429) {
        expect(response.body).toMatchObject({ code: 'rate_limited', status: 429 });
        expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
      }
    }
    expect(statuses.slice(0, 3)).not.toContain(429);
    expect(statuses[3]).toBe(429);

    const otherTill = createDevToken(testJwtSecret, 'pos', 'till-2');
    const other = await server.api.post(
      '/v1/accounts/x/charges',
      { txId: 't-9', amount: '1.00', merchantId: 'm' },
      { token: otherTill },
    );
    expect(other.status).not.toBe(429);
    for (let probe = 0; probe < 5; probe += 1) expect((await server.api.get('/health')).status).toBe(200);
  });
});
