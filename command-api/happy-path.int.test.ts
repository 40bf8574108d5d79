import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDevToken } from '../http-kit/index.ts';
import type { HttpClient } from '../http-kit/testing/http-client.ts';
import type { CapturedLogger, LedgerUnderTest } from '../http-kit/testing/ledger-under-test.ts';
import { testDeviceMasterKey, testJwtSecret } from '../http-kit/testing/ledger-under-test.ts';
import { deriveDeviceSecret } from '../ledger-core/index.ts';
import { serviceAvailable } from '../testing/services.ts';
import { type CommandApiUnderTest, startCommandApi } from './test-app.ts';

const postgresUp = await serviceAvailable('postgres');

const cardNo = '6222020000001234';
const newCardNo = '6222020000005678';
const admin = createDevToken(testJwtSecret, 'admin', 'ops-1');

describe.skipIf(!postgresUp)('command-api happy paths over a listening server', () => {
  let server: CommandApiUnderTest;
  let ledger: LedgerUnderTest;
  let api: HttpClient;
  let logs: CapturedLogger;

  beforeAll(async () => {
    server = await startCommandApi();
    ({ ledger, api, logs } = server);
  });
  afterAll(async () => server?.close());

  it('registers a merchant and a device, whose secret is the derived one, shown once and not cached', async () => {
    const merchant = await api.post(
      '/v1/merchants',
      { merchantId: 'canteen-1', name: 'North Canteen', category: 'canteen' },
      { token: admin },
    );
    expect(merchant.status).toBe(201);
    expect(merchant.body).toEqual({
      merchantId: 'canteen-1',
      name: 'North Canteen',
      category: 'canteen',
      position: '1',
    });

    const device = await api.post(
      '/v1/devices',
      { deviceId: 'pos-1', merchantId: 'canteen-1', kind: 'pos' },
      { token: admin },
    );
    expect(device.status).toBe(201);
    expect(device.headers.get('cache-control')).toBe('no-store');
    expect(device.body).toEqual({
      deviceId: 'pos-1',
      merchantId: 'canteen-1',
      kind: 'pos',
      keyId: 'k1',
      secret: deriveDeviceSecret(testDeviceMasterKey, 'pos-1', 'k1'),
      position: '2',
    });
  });

  it('opens an account (201) and answers with the card masked', async () => {
    const opened = await api.post(
      '/v1/accounts',
      { accountId: 'stu-1', holderName: '李伟', holderType: 'student', cardNo },
      { token: admin },
    );
    expect(opened.status).toBe(201);
    expect(opened.body).toEqual({
      accountId: 'stu-1',
      holderName: '李伟',
      holderType: 'student',
      status: 'open',
      cardStatus: 'active',
      cardNo: '6222********1234',
      balance: '0.00',
      limits: { perTransaction: '500.00', daily: '1000.00', offlineLimit: '50.00' },
      position: '3',
      revision: 0,
    });
  });

  it('moves money: top-up, charge, refund, bill payment, each 200 with the balance after it', async () => {
    const topUp = await api.post(
      '/v1/accounts/stu-1/top-ups',
      { txId: 'tu-1', amount: '100', channel: 'wechat', externalRef: 'wx-889' },
      { token: admin },
    );
    expect(topUp.status).toBe(200);
    expect(topUp.body).toEqual({ txId: 'tu-1', status: 'accepted', balance: '100.00', position: '4' });
    expect(topUp.headers.get('idempotent-replayed')).toBeNull();

    const charge = await api.post(
      '/v1/accounts/stu-1/charges',
      { txId: 'ch-1', amount: '12.50', merchantId: 'canteen-1', deviceId: 'pos-1' },
      { token: admin },
    );
    expect(charge.body).toEqual({ txId: 'ch-1', status: 'accepted', balance: '87.50', position: '5' });

    const refund = await api.post(
      '/v1/accounts/stu-1/refunds',
      { txId: 'rf-1', chargeTxId: 'ch-1', amount: '2.50', reason: 'cold soup' },
      { token: admin },
    );
    expect(refund.body).toEqual({ txId: 'rf-1', status: 'accepted', balance: '90.00', position: '6' });

    const bill = await api.post(
      '/v1/accounts/stu-1/bill-payments',
      { txId: 'bp-1', amount: '30.00', payee: 'electricity', billRef: 'dorm-7-2025-03' },
      { token: admin },
    );
    expect(bill.body).toEqual({ txId: 'bp-1', status: 'accepted', balance: '60.00', position: '7' });
  });

  it('answers a replayed txId with the original body and Idempotent-Replayed, and refuses other content', async () => {
    const replay = await api.post(
      '/v1/accounts/stu-1/charges',
      { txId: 'ch-1', amount: '12.50', merchantId: 'canteen-1', deviceId: 'pos-1' },
      { token: admin },
    );
    expect(replay.status).toBe(200);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual({ txId: 'ch-1', status: 'accepted', balance: '87.50', position: '5' });

    const conflict = await api.post(
      '/v1/accounts/stu-1/charges',
      { txId: 'ch-1', amount: '13.00', merchantId: 'canteen-1' },
      { token: admin },
    );
    expect(conflict.status).toBe(409);
    expect(conflict.headers.get('content-type')).toContain('application/problem+json');
    expect(conflict.body).toMatchObject({
      status: 409,
      code: 'idempotency_conflict',
      type: '/problems/idempotency_conflict',
    });
    expect(await ledger.store.headPosition()).toBe(7n);
  });

  it('honours occurredAt for an offline charge only', async () => {
    const takenAt = '2025-01-15T03:00:00.000Z';
    const offline = await api.post(
      '/v1/accounts/stu-1/charges',
      { txId: 'off-1', amount: '5.00', merchantId: 'canteen-1', offline: true, occurredAt: takenAt },
      { token: admin },
    );
    expect(offline.status).toBe(200);
    const online = await api.post(
      '/v1/accounts/stu-1/charges',
      { txId: 'on-1', amount: '5.00', merchantId: 'canteen-1', occurredAt: takenAt },
      { token: admin },
    );
    expect(online.status).toBe(200);
    const events = await ledger.store.readStream('account-stu-1');
    const dateOf = (txId: string) =>
      events.find((event) => event.metadata.txId === txId)?.metadata.occurredAt;
    expect(dateOf('off-1')).toBe(takenAt);
    expect(dateOf('on-1')).not.toBe(takenAt);
  });

  it('runs the lifecycle: limits, freeze, unfreeze, report-lost, replace-card', async () => {
    const limits = await api.put(
      '/v1/accounts/stu-1/limits',
      { perTransaction: '80', daily: '200.5', offlineLimit: '0' },
      { token: admin },
    );
    expect(limits.status).toBe(200);
    expect(limits.body.limits).toEqual({ perTransaction: '80.00', daily: '200.50', offlineLimit: '0.00' });

    const frozen = await api.post(
      '/v1/accounts/stu-1/freeze',
      { reason: 'suspicious use' },
      { token: admin },
    );
    expect(frozen.body).toMatchObject({ status: 'frozen', cardStatus: 'active' });
    const refused = await api.post(
      '/v1/accounts/stu-1/charges',
      { txId: 'ch-frozen', amount: '1.00', merchantId: 'canteen-1' },
      { token: admin },
    );
    expect(refused.body).toMatchObject({ status: 422, code: 'account_frozen' });
    const unfrozen = await api.post('/v1/accounts/stu-1/unfreeze', undefined, { token: admin });
    expect(unfrozen.body, JSON.stringify(unfrozen.body)).toMatchObject({ status: 'open' });

    const student = createDevToken(testJwtSecret, 'student', 'stu-1');
    const lost = await api.post('/v1/accounts/stu-1/report-lost', {}, { token: student });
    expect(lost.status).toBe(200);
    expect(lost.body).toMatchObject({ cardStatus: 'lost', cardNo: '6222********1234' });

    const replaced = await api.post('/v1/accounts/stu-1/replace-card', { newCardNo }, { token: admin });
    expect(replaced.body).toMatchObject({ cardStatus: 'active', cardNo: '6222********5678' });
    const events = await ledger.store.readStream('account-stu-1');
    expect(events.slice(-5).map((event) => event.type)).toEqual([
      'LimitsChanged',
      'AccountFrozen',
      'AccountUnfrozen',
      'CardReportedLost',
      'CardReplaced',
    ]);
    expect(events.at(-1)?.metadata.actor).toEqual({ type: 'admin', id: 'ops-1' });
    expect(events.at(-2)?.metadata.actor).toEqual({ type: 'student', id: 'stu-1' });
  });

  it('closes the account, paying out the balance', async () => {
    const closed = await api.post(
      '/v1/accounts/stu-1/close',
      { txId: 'close-1', payoutChannel: 'bank' },
      { token: admin },
    );
    expect(closed.status).toBe(200);
    expect(closed.body).toMatchObject({ txId: 'close-1', status: 'accepted', balance: '0.00' });
    const [event] = (await ledger.store.readStream('account-stu-1')).slice(-1);
    expect(event?.data).toEqual({ txId: 'close-1', payoutAmount: '50.00', payoutChannel: 'bank' });
  });

  it('carries correlation id, causation id and traceparent into the events', async () => {
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const response = await api.post(
      '/v1/accounts',
      { accountId: 'stu-2', holderName: 'Wang Fang', holderType: 'staff', cardNo: '6222020000009999' },
      { token: admin, headers: { 'x-correlation-id': 'enrol-2025:42', traceparent } },
    );
    expect(response.headers.get('x-correlation-id')).toBe('enrol-2025:42');
    const [opened] = await ledger.store.readStream('account-stu-2');
    expect(opened?.metadata).toMatchObject({
      correlationId: 'enrol-2025:42',
      causationId: response.headers.get('x-request-id'),
      traceparent,
    });
    // Without the SDK the client's trace is the request's: its ids are on every line of the request.
    const lines = logs.lines
      .map((line) => JSON.parse(line))
      .filter((line) => line.reqId === response.headers.get('x-request-id'));
    expect(lines.map((line) => line.msg)).toEqual(['incoming request', 'request completed']);
    for (const line of lines) expect(line.trace_id).toBe('0af7651916cd43dd8448eb211c80319c');
  });

  it('reports health, metrics and the OpenAPI document', async () => {
    const health = await api.get('/health');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: 'ok', checks: { eventStore: { ok: true } } });

    const metrics = await api.get('/metrics');
    expect(metrics.body).toMatch(
      /http_requests_total\{service="command-api",method="POST",route="\/v1\/accounts\/:id\/charges",status="200"\} \d+/,
    );
    expect(metrics.body).toMatch(
      /ledger_command_outcomes_total\{service="command-api",command="Charge",outcome="idempotency_conflict"\} 1/,
    );
    expect(metrics.body).toContain('http_request_duration_seconds_bucket');

    const docs = await api.get('/docs/json');
    expect(Object.keys(docs.body.paths)).toEqual(
      expect.arrayContaining([
        '/v1/accounts/{id}/charges',
        '/v1/accounts',
        '/v1/accounts/{id}/limits',
        '/v1/devices',
      ]),
    );
    expect((await api.get('/docs')).status).toBeLessThan(400);
  });

  it('never writes a full card number to a log line', () => {
    const text = logs.lines.join('');
    expect(text.length).toBeGreaterThan(0);
    for (const full of [cardNo, newCardNo, '6222020000009999']) expect(text).not.toContain(full);
  });
});
