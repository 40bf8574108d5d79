import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDevToken } from '../http-kit/index.ts';
import type { RequestOptions } from '../http-kit/testing/http-client.ts';
import {
  type LedgerStack,
  projectionsCaughtUp,
  snapshotReadModels,
  startLedgerStack,
} from '../http-kit/testing/ledger-stack.ts';
import { testJwtSecret } from '../http-kit/testing/ledger-under-test.ts';
import type { Position } from '../ledger-core/index.ts';
import { serviceAvailable } from '../testing/services.ts';
import { type CommandRouteCase, commandRouteCases } from './route-cases.ts';
import { seedWorld } from './test-app.ts';

// Hostile and malformed input against every command route: each is refused with its documented 4xx
// and a code, and the ledger is exactly as it was before (nothing appended anywhere).

const postgresUp = await serviceAvailable('postgres');
const admin = createDevToken(testJwtSecret, 'admin', 'ops');

type BadCase = { label: string; path?: string; request: RequestOptions; status: number; code: string };

const hostileIds = [
  "x'; DROP TABLE ledger_events;--",
  '../../etc/passwd',
  '..\\..\\windows',
  '账户-1',
  'a b',
  '',
  '🙂',
  'x'.repeat(65),
  '%00',
];
const badAmounts = [
  12.5,
  '0.105',
  '-1',
  '1e3',
  '',
  '1,00',
  ' 1.00',
  'NaN',
  'Infinity',
  '0x10',
  '1000000.01',
  '１２',
  '12.5\u0000',
  '01.00',
];
const idFields = new Set([
  'txId',
  'chargeTxId',
  'merchantId',
  'deviceId',
  'accountId',
  'cardNo',
  'newCardNo',
  'keyId',
]);

const withField = (body: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> => {
  const [head, ...rest] = path.split('.') as [string, ...string[]];
  if (rest.length === 0) return { ...body, [head]: value };
  return { ...body, [head]: withField((body[head] ?? {}) as Record<string, unknown>, rest.join('.'), value) };
};
const withoutField = (body: Record<string, unknown>, field: string) => {
  const { [field]: _removed, ...rest } = body;
  return rest;
};

const badBodies = (route: CommandRouteCase): BadCase[] => {
  const refused = (label: string, body: unknown): BadCase => ({
    label,
    request: { token: admin, body },
    status: 400,
    code: 'validation_failed',
  });
  const valid = route.valid ?? {};
  const cases: BadCase[] = [
    refused('an unknown field', { ...valid, isAdmin: true }),
    refused('an array body', [valid]),
    refused('a string body', 'txId=1'),
  ];
  const fields = JSON.stringify(valid).slice(1, -1);
  cases.push({
    label: 'a __proto__ key',
    request: { token: admin, rawBody: `{"__proto__": {"admin": true}${fields ? `, ${fields}` : ''}}` },
    status: 400,
    code: 'validation_failed',
  });
  for (const field of Object.keys(valid)) {
    if (!route.optional.includes(field)) cases.push(refused(`${field} missing`, withoutField(valid, field)));
    cases.push(refused(`${field} null`, { ...valid, [field]: null }));
    cases.push(refused(`${field} an array`, { ...valid, [field]: ['x'] }));
    cases.push(refused(`${field} a huge string`, { ...valid, [field]: 'x'.repeat(4_000) }));
    cases.push(refused(`${field} a number`, { ...valid, [field]: 7 }));
    if (idFields.has(field)) {
      for (const id of hostileIds)
        cases.push(refused(`${field} = ${JSON.stringify(id)}`, { ...valid, [field]: id }));
    }
  }
  for (const field of route.money) {
    const amounts = route.zeroAllowed ? badAmounts : [...badAmounts, '0', '0.00'];
    for (const amount of amounts)
      cases.push(refused(`${field} = ${JSON.stringify(amount)}`, withField(valid, field, amount)));
  }
  return cases;
};

const badTransport = (route: CommandRouteCase): BadCase[] => {
  const body = JSON.stringify(route.valid ?? {});
  const unsupported = (label: string, contentType: string | null): BadCase => ({
    label,
    request: { token: admin, rawBody: body, contentType },
    status: 415,
    code: 'unsupported_media_type',
  });
  return [
    unsupported('text/plain', 'text/plain'),
    unsupported('a form', 'application/x-www-form-urlencoded'),
    unsupported('multipart', 'multipart/form-data; boundary=x'),
    unsupported('XML', 'application/xml'),
    unsupported('no content type', null),
    {
      label: 'broken JSON',
      request: { token: admin, rawBody: '{"txId": "a', contentType: 'application/json' },
      status: 400,
      code: 'validation_failed',
    },
    {
      label: 'a 20 KiB body',
      request: { token: admin, body: { ...route.valid, padding: 'x'.repeat(20 * 1_024) } },
      status: 413,
      code: 'payload_too_large',
    },
  ];
};

const badQueryString = (route: CommandRouteCase): BadCase[] => [
  {
    label: 'an unknown query parameter',
    path: `${route.path('acc-1')}?isAdmin=true`,
    request: { token: admin, body: route.valid },
    status: 400,
    code: 'validation_failed',
  },
];

const badPaths = (route: CommandRouteCase): BadCase[] =>
  route.path('x') === route.path('y')
    ? []
    : hostileIds
        .filter((id) => id !== '')
        .map((id) => ({
          label: `path id ${JSON.stringify(id)}`,
          path: route.path(id),
          request: { token: admin, body: route.valid },
          status: 400,
          code: 'validation_failed',
        }));

describe.skipIf(!postgresUp)('command-api refuses bad input and writes nothing', () => {
  let stack: LedgerStack;
  let headBefore: Position;
  let readModelsBefore: Record<string, unknown[]>;

  beforeAll(async () => {
    stack = await startLedgerStack();
    await seedWorld(stack.commands, admin);
    headBefore = await stack.ledger.store.headPosition();
    await projectionsCaughtUp(stack);
    readModelsBefore = await snapshotReadModels(stack);
    // The comparison below means something only if the seeded world is in the read models.
    expect(readModelsBefore.account_balances).toHaveLength(4);
  });
  afterAll(async () => stack?.close());

  for (const route of commandRouteCases('bad-1')) {
    it(`${route.name}: every malformed body, content type, size and path is a 4xx problem with a code`, async () => {
      const cases = [
        ...badBodies(route),
        ...badTransport(route),
        ...badQueryString(route),
        ...badPaths(route),
      ];
      for (const bad of cases) {
        const response = await stack.commands.request(
          route.method,
          bad.path ?? route.path('acc-1'),
          bad.request,
        );
        const seen = `${route.name} / ${bad.label}: ${response.status} ${JSON.stringify(response.body)}`;
        expect(response.status, seen).toBe(bad.status);
        expect(response.headers.get('content-type'), seen).toContain('application/problem+json');
        expect(response.body, seen).toMatchObject({
          status: bad.status,
          code: bad.code,
          type: `/problems/${bad.code}`,
        });
        if (bad.status === 400 && bad.request.body !== undefined) {
          expect(response.body.errors?.length, seen).toBeGreaterThan(0);
        }
      }
    });
  }

  it('answers unknown routes and methods with a 404 problem', async () => {
    for (const [method, path] of [
      ['GET', '/v1/accounts/acc-1/charges'],
      ['DELETE', '/v1/accounts/acc-1'],
      ['POST', '/v1/accounts/acc-1/teleport'],
      ['POST', '/v2/accounts'],
      ['GET', '/v1/accounts/acc-1/..%2F..%2F..%2Fetc%2Fpasswd'],
    ] as const) {
      const response = await stack.commands.request(method, path, { token: admin });
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(response.body).toMatchObject({ code: 'not_found', status: 404 });
    }
  });

  it('never echoes a card number from the URL into a response or a log line', async () => {
    const cardNo = '6222029876543210';
    for (const path of [
      `/v1/accounts/${cardNo}/charges`,
      `/v1/cards/${cardNo}`,
      `/v1/accounts/acc-1/charges?card=${cardNo}`,
    ]) {
      const response = await stack.commands.post(
        path,
        { txId: 'leak-1', amount: '1.00', merchantId: 'm-1' },
        { token: admin },
      );
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(JSON.stringify(response.body), path).not.toContain(cardNo);
    }
    expect(stack.logs.lines.join('')).not.toContain(cardNo);
  });

  it('refuses a malformed X-Correlation-Id', async () => {
    const response = await stack.commands.post(
      '/v1/accounts/acc-1/top-ups',
      { txId: 'corr-1', amount: '1.00', channel: 'cash' },
      { token: admin, headers: { 'x-correlation-id': "'; DROP TABLE x;--" } },
    );
    expect(response.body).toMatchObject({ status: 400, code: 'validation_failed' });
  });

  it('appended nothing to the event store and left the read models as they were', async () => {
    expect(await stack.ledger.store.headPosition()).toBe(headBefore);
    expect(await stack.ledger.store.readAll({ fromPosition: headBefore, maxCount: 1 })).toEqual([]);
    await projectionsCaughtUp(stack);
    expect(await snapshotReadModels(stack)).toEqual(readModelsBefore);
  });
});
