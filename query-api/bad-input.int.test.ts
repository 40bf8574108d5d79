import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDevToken } from '../http-kit/index.ts';
import {
  type LedgerStack,
  projectionsCaughtUp,
  snapshotReadModels,
  startLedgerStack,
} from '../http-kit/testing/ledger-stack.ts';
import { testJwtSecret } from '../http-kit/testing/ledger-under-test.ts';
import type { Position } from '../ledger-core/index.ts';
import { serviceAvailable } from '../testing/services.ts';

// Hostile and malformed queries: each is a 4xx problem with a code, and nothing anywhere changes.

const postgresUp = await serviceAvailable('postgres');
const admin = createDevToken(testJwtSecret, 'admin', 'ops');

const hostileIds = [
  "x'; DROP TABLE account_balances;--",
  '../../etc/passwd',
  '账户',
  'a b',
  '🙂',
  'x'.repeat(65),
  '%00',
];
const encoded = (id: string) => encodeURIComponent(id);

type BadQuery = { path: string; status: number; code: string; headers?: Record<string, string> };
const invalid = (path: string, headers?: Record<string, string>): BadQuery => ({
  path,
  status: 400,
  code: 'validation_failed',
  ...(headers ? { headers } : {}),
});

const badQueries: BadQuery[] = [
  ...hostileIds.flatMap((id) => [
    invalid(`/v1/accounts/${encoded(id)}`),
    invalid(`/v1/accounts/${encoded(id)}/transactions`),
    invalid(`/v1/accounts/${encoded(id)}/balance`),
    invalid(`/v1/merchants/${encoded(id)}/sales`),
    invalid(`/v1/devices/${encoded(id)}`),
  ]),
  invalid('/v1/accounts/acc-1?verbose=1'),
  ...['0', '-1', '501', 'abc', '1.5', '1e3', '', '10&limit=20'].map((limit) =>
    invalid(`/v1/accounts/acc-1/transactions?limit=${limit}`),
  ),
  ...['zzz', Buffer.from('p:abc').toString('base64url'), 'x'.repeat(100), encoded("' OR 1=1--")].map(
    (cursor) => invalid(`/v1/accounts/acc-1/transactions?cursor=${cursor}`),
  ),
  ...['yesterday', '2025-13-01T00:00:00Z', '2025-03-10T10:00:00', '1741600000'].map((from) =>
    invalid(`/v1/accounts/acc-1/transactions?from=${from}`),
  ),
  invalid(`/v1/accounts/acc-1/transactions?type=${encoded("charge' OR '1'='1")}`),
  invalid('/v1/accounts/acc-1/transactions?type=withdrawal'),
  invalid('/v1/accounts/acc-1/transactions?sort=asc'),
  invalid('/v1/accounts/acc-1/balance?asOf=tomorrow'),
  invalid('/v1/accounts/acc-1/balance?asOf=2999-01-01T00:00:00Z'),
  invalid('/v1/accounts/acc-1/balance?position=-1'),
  invalid('/v1/accounts/acc-1/balance?position=1e3'),
  invalid('/v1/accounts/acc-1/balance?position=99999999'),
  invalid('/v1/accounts/acc-1/balance?position=1&asOf=2025-01-01T00:00:00Z'),
  invalid('/v1/merchants/m-1/sales?granularity=week'),
  invalid('/v1/merchants/m-1/sales?from=2025-03-10&to=2025-03-01'),
  invalid('/v1/merchants/m-1/sales?from=2025-01-01&to=2025-03-01&granularity=hour'),
  invalid('/v1/merchants/m-1/sales?from=2024-01-01&to=2025-03-01&granularity=day'),
  invalid('/v1/merchants/m-1/sales?from=2025-02-30'),
  ...['2025-02-30', '20250310', 'today', encoded("2025-03-10'; --")].map((date) =>
    invalid(`/v1/reports/daily?date=${date}`),
  ),
  invalid('/v1/reports/daily?day=2025-03-10'),
  ...['abc', '-1', '1e3', '1'.repeat(20), ''].map((position) =>
    invalid('/v1/accounts/acc-1', { 'x-min-position': position }),
  ),
  { path: '/v1/accounts/nobody', status: 404, code: 'account_not_found' },
  { path: '/v1/accounts/nobody/transactions', status: 404, code: 'account_not_found' },
  { path: '/v1/accounts/nobody/balance', status: 404, code: 'account_not_found' },
  { path: '/v1/merchants/nobody/sales', status: 404, code: 'not_found' },
  { path: '/v1/devices/nobody', status: 404, code: 'device_not_found' },
  { path: '/v1/accounts/acc-1/..%2F..%2Fsecrets', status: 404, code: 'not_found' },
  { path: '/v1/reports/monthly', status: 404, code: 'not_found' },
];

describe.skipIf(!postgresUp)('query-api refuses bad queries', () => {
  let stack: LedgerStack;
  let headBefore: Position;
  let readModelsBefore: Record<string, unknown[]>;

  beforeAll(async () => {
    stack = await startLedgerStack();
    const as = { token: admin };
    await stack.commands.post('/v1/merchants', { merchantId: 'm-1', name: 'Shop', category: 'shop' }, as);
    await stack.commands.post(
      '/v1/accounts',
      { accountId: 'acc-1', holderName: 'Test', holderType: 'staff', cardNo: '6222025555550001' },
      as,
    );
    await stack.commands.post(
      '/v1/accounts/acc-1/top-ups',
      { txId: 't-1', amount: '5.00', channel: 'bank' },
      as,
    );
    headBefore = await stack.ledger.store.headPosition();
    await projectionsCaughtUp(stack);
    readModelsBefore = await snapshotReadModels(stack);
    expect(readModelsBefore.account_balances).toHaveLength(1);
  });
  afterAll(async () => stack?.close());

  it.each(badQueries)('GET $path → $status $code', async ({ path, status, code, headers }) => {
    const response = await stack.queries.get(path, { token: admin, ...(headers ? { headers } : {}) });
    expect(response.status, JSON.stringify(response.body)).toBe(status);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(response.body).toMatchObject({ status, code, type: `/problems/${code}` });
    if (status === 400) expect(response.body.errors?.length).toBeGreaterThan(0);
  });

  it('refuses writes to read routes as unknown routes', async () => {
    const response = await stack.queries.post(
      '/v1/accounts/acc-1',
      { balance: '1000000.00' },
      { token: admin },
    );
    expect(response).toMatchObject({ status: 404, body: { code: 'not_found' } });
  });

  it('changed nothing', async () => {
    expect(await stack.ledger.store.headPosition()).toBe(headBefore);
    await projectionsCaughtUp(stack);
    expect(await snapshotReadModels(stack)).toEqual(readModelsBefore);
  });
});
