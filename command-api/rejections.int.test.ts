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
import { seedWorld } from './test-app.ts';

// The ledger's refusals as HTTP: each documented code with its status, and nothing written.

const postgresUp = await serviceAvailable('postgres');
const admin = createDevToken(testJwtSecret, 'admin', 'ops');

type Refusal = {
  label: string;
  method?: 'POST' | 'PUT';
  path: string;
  body: unknown;
  status: number;
  code: string;
};

const charge = (accountId: string, txId: string, amount: string, extra: Record<string, unknown> = {}) => ({
  path: `/v1/accounts/${accountId}/charges`,
  body: { txId, amount, merchantId: 'm-1', ...extra },
});

const refusals: Refusal[] = [
  { label: 'unknown account', ...charge('nobody', 'r-1', '1.00'), status: 404, code: 'account_not_found' },
  {
    label: 'refund of an unknown charge',
    path: '/v1/accounts/acc-1/refunds',
    body: { txId: 'r-2', chargeTxId: 'nope', amount: '1.00' },
    status: 404,
    code: 'charge_not_found',
  },
  {
    label: 'refund above the charge',
    path: '/v1/accounts/acc-1/refunds',
    body: { txId: 'r-3', chargeTxId: 'ch-1', amount: '20.01' },
    status: 422,
    code: 'refund_exceeds_charge',
  },
  {
    label: 'unknown merchant',
    ...charge('acc-1', 'r-4', '1.00', { merchantId: 'm-x' }),
    status: 422,
    code: 'merchant_not_found',
  },
  {
    label: 'unknown device',
    ...charge('acc-1', 'r-5', '1.00', { deviceId: 'd-x' }),
    status: 422,
    code: 'unknown_device',
  },
  {
    label: 'device of another merchant',
    ...charge('acc-1', 'r-6', '1.00', { merchantId: 'm-2', deviceId: 'd-1' }),
    status: 422,
    code: 'device_merchant_mismatch',
  },
  {
    label: 'above the per-transaction limit',
    ...charge('acc-1', 'r-7', '50.01'),
    status: 422,
    code: 'limit_exceeded_per_transaction',
  },
  {
    label: 'above the daily limit',
    ...charge('acc-1', 'r-8', '60.01'),
    status: 422,
    code: 'limit_exceeded_per_transaction',
  },
  {
    label: 'daily limit reached',
    ...charge('acc-1', 'r-9', '40.00'),
    status: 422,
    code: 'limit_exceeded_daily',
  },
  {
    label: 'offline above the offline limit',
    ...charge('acc-1', 'r-10', '10.01', { offline: true }),
    status: 422,
    code: 'offline_limit_exceeded',
  },
  {
    label: 'offline charge dated in the future',
    ...charge('acc-1', 'r-11', '1.00', { offline: true, occurredAt: '2999-01-01T00:00:00Z' }),
    status: 400,
    code: 'validation_failed',
  },
  {
    label: 'bill above the balance',
    path: '/v1/accounts/acc-1/bill-payments',
    body: { txId: 'r-12', amount: '35.01', payee: 'dorm', billRef: 'room-1' },
    status: 422,
    code: 'insufficient_funds',
  },
  { label: 'frozen account', ...charge('acc-frozen', 'r-13', '1.00'), status: 422, code: 'account_frozen' },
  { label: 'lost card', ...charge('acc-lost', 'r-14', '1.00'), status: 422, code: 'card_lost' },
  { label: 'closed account', ...charge('acc-closed', 'r-15', '1.00'), status: 422, code: 'account_closed' },
  {
    label: 'top-up of a closed account',
    path: '/v1/accounts/acc-closed/top-ups',
    body: { txId: 'r-16', amount: '1.00', channel: 'bank' },
    status: 422,
    code: 'account_closed',
  },
  {
    label: 'same txId, other content',
    ...charge('acc-1', 'ch-1', '19.00'),
    status: 409,
    code: 'idempotency_conflict',
  },
  {
    label: 'txId of another account',
    path: '/v1/accounts/acc-frozen/top-ups',
    body: { txId: 'ch-1', amount: '20.00', channel: 'cash' },
    status: 409,
    code: 'idempotency_conflict',
  },
  {
    label: 'existing account',
    path: '/v1/accounts',
    body: { accountId: 'acc-1', holderName: 'Again', holderType: 'staff', cardNo: '62220200000000' },
    status: 409,
    code: 'account_exists',
  },
  {
    label: 'existing merchant',
    path: '/v1/merchants',
    body: { merchantId: 'm-1', name: 'Again', category: 'other' },
    status: 409,
    code: 'merchant_exists',
  },
  {
    label: 'existing device',
    path: '/v1/devices',
    body: { deviceId: 'd-1', merchantId: 'm-1', kind: 'pos' },
    status: 409,
    code: 'device_exists',
  },
  {
    label: 'device of an unknown merchant',
    path: '/v1/devices',
    body: { deviceId: 'd-9', merchantId: 'm-x', kind: 'pos' },
    status: 422,
    code: 'merchant_not_found',
  },
  {
    label: 'lost card as its own replacement',
    path: '/v1/accounts/acc-lost/replace-card',
    body: { newCardNo: '6222021111110003' },
    status: 400,
    code: 'validation_failed',
  },
  {
    label: 'freeze of an unknown account',
    path: '/v1/accounts/nobody/freeze',
    body: {},
    status: 404,
    code: 'account_not_found',
  },
  {
    label: 'limits of a closed account',
    method: 'PUT',
    path: '/v1/accounts/acc-closed/limits',
    body: { perTransaction: '1.00', daily: '1.00', offlineLimit: '1.00' },
    status: 422,
    code: 'account_closed',
  },
];

describe.skipIf(!postgresUp)('command-api answers ledger refusals as problems and writes nothing', () => {
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

  it.each(refusals)('$label → $status $code', async ({ method, path, body, status, code }) => {
    const response = await stack.commands.request(method ?? 'POST', path, { token: admin, body });
    expect(response.status, JSON.stringify(response.body)).toBe(status);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(response.body).toMatchObject({ type: `/problems/${code}`, status, code, instance: path });
    expect(response.body.title).toEqual(expect.any(String));
    expect(response.body.detail).toEqual(expect.any(String));
  });

  it('appended nothing and left the read models as they were', async () => {
    expect(await stack.ledger.store.headPosition()).toBe(headBefore);
    await projectionsCaughtUp(stack);
    expect(await snapshotReadModels(stack)).toEqual(readModelsBefore);
  });
});
