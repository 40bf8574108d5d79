import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateDeviceStatus } from '../device-gateway/index.ts';
import { createDevToken } from '../http-kit/index.ts';
import { type LedgerStack, startLedgerStack } from '../http-kit/testing/ledger-stack.ts';
import { testJwtSecret, testTimeZone } from '../http-kit/testing/ledger-under-test.ts';
import { businessDayOf } from '../ledger-core/index.ts';
import { serviceAvailable } from '../testing/services.ts';

// Every query route read back after writing through the command API, with X-Min-Position making
// each read see the write before it.

const postgresUp = await serviceAvailable('postgres');
const admin = createDevToken(testJwtSecret, 'admin', 'ops');
const cardNo = '6222024444440001';
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(!postgresUp)('query-api reads back what command-api wrote', () => {
  let stack: LedgerStack;
  const positions: Record<string, string> = {};
  let afterTopUp = '';
  let last = '0';

  const write = async (label: string, path: string, body: unknown, method: 'POST' | 'PUT' = 'POST') => {
    const response = await stack.commands.request(method, path, { token: admin, body });
    if (response.status >= 300)
      throw new Error(`${label}: ${response.status} ${JSON.stringify(response.body)}`);
    positions[label] = response.body.position;
    last = response.body.position;
    return response;
  };
  const read = (path: string, token = admin) =>
    stack.queries.get(path, { token, headers: { 'x-min-position': last } });

  beforeAll(async () => {
    stack = await startLedgerStack();
    await write('merchant', '/v1/merchants', {
      merchantId: 'm-1',
      name: 'East Canteen',
      category: 'canteen',
    });
    await write('device', '/v1/devices', { deviceId: 'd-1', merchantId: 'm-1', kind: 'pos' });
    await write('open', '/v1/accounts', {
      accountId: 'stu-1',
      holderName: '王芳',
      holderType: 'student',
      cardNo,
    });
    await write('topUp', '/v1/accounts/stu-1/top-ups', { txId: 'tu-1', amount: '100.00', channel: 'wechat' });
    await pause(20);
    afterTopUp = new Date().toISOString();
    await pause(20);
    await write('charge1', '/v1/accounts/stu-1/charges', {
      txId: 'ch-1',
      amount: '12.00',
      merchantId: 'm-1',
      deviceId: 'd-1',
    });
    await write('charge2', '/v1/accounts/stu-1/charges', { txId: 'ch-2', amount: '8.50', merchantId: 'm-1' });
    await write('refund', '/v1/accounts/stu-1/refunds', { txId: 'rf-1', chargeTxId: 'ch-1', amount: '2.00' });
    await write('bill', '/v1/accounts/stu-1/bill-payments', {
      txId: 'bp-1',
      amount: '20.00',
      payee: 'water',
      billRef: 'w-3',
    });
  });
  afterAll(async () => stack?.close());

  it('GET /v1/accounts/{id}: balance, today’s spending, limits, masked card', async () => {
    const response = await read('/v1/accounts/stu-1');
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      accountId: 'stu-1',
      holderName: '王芳',
      holderType: 'student',
      status: 'open',
      cardStatus: 'active',
      cardNo: '6222********0001',
      balance: '61.50',
      debt: '0.00',
      dailySpent: '20.50',
      limits: { perTransaction: '500.00', daily: '1000.00', offlineLimit: '50.00' },
      position: positions.bill,
    });
  });

  it('GET /v1/accounts/{id}/transactions: newest first, paged by cursor, filtered by type and time', async () => {
    const first = await read('/v1/accounts/stu-1/transactions?limit=2');
    expect(first.body.items.map((item: { txId: string }) => item.txId)).toEqual(['bp-1', 'rf-1']);
    expect(first.body.items[0]).toMatchObject({
      type: 'bill-payment',
      amount: '-20.00',
      balanceAfter: '61.50',
      payee: 'water',
      billRef: 'w-3',
      offline: false,
      position: positions.bill,
    });
    const second = await read(`/v1/accounts/stu-1/transactions?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.items.map((item: { txId: string }) => item.txId)).toEqual(['ch-2', 'ch-1']);
    expect(second.body.items[1]).toMatchObject({ amount: '-12.00', merchantId: 'm-1', deviceId: 'd-1' });
    const third = await read(`/v1/accounts/stu-1/transactions?limit=2&cursor=${second.body.nextCursor}`);
    expect(third.body).toMatchObject({
      items: [{ txId: 'tu-1', amount: '100.00', channel: 'wechat' }],
      nextCursor: null,
    });

    const charges = await read('/v1/accounts/stu-1/transactions?type=charge');
    expect(charges.body.items.map((item: { txId: string }) => item.txId)).toEqual(['ch-2', 'ch-1']);
    const beforeCharges = await read(`/v1/accounts/stu-1/transactions?to=${afterTopUp}`);
    expect(beforeCharges.body.items.map((item: { txId: string }) => item.txId)).toEqual(['tu-1']);
    const sinceCharges = await read(`/v1/accounts/stu-1/transactions?from=${afterTopUp}&limit=500`);
    expect(sinceCharges.body.items).toHaveLength(4);
  });

  it('GET /v1/accounts/{id}/balance: from the journal, at a position or an instant', async () => {
    const atTopUp = await read(`/v1/accounts/stu-1/balance?position=${positions.topUp}`);
    expect(atTopUp.body).toEqual({
      accountId: 'stu-1',
      balance: '100.00',
      asOf: null,
      position: positions.topUp,
      lastMovePosition: positions.topUp,
    });
    const atCharge = await read(`/v1/accounts/stu-1/balance?position=${positions.charge1}`);
    expect(atCharge.body.balance).toBe('88.00');
    const beforeOpening = await read(`/v1/accounts/stu-1/balance?position=${positions.merchant}`);
    expect(beforeOpening.body).toMatchObject({ balance: '0.00', lastMovePosition: null });

    const asOf = await read(`/v1/accounts/stu-1/balance?asOf=${afterTopUp}`);
    expect(asOf.body).toMatchObject({
      balance: '100.00',
      asOf: afterTopUp,
      lastMovePosition: positions.topUp,
    });
    const now = await read('/v1/accounts/stu-1/balance');
    expect(now.body.balance).toBe('61.50');
  });

  it('GET /v1/merchants/{id}/sales: by hour and by business day', async () => {
    const today = businessDayOf(new Date(), testTimeZone);
    const byHour = await read('/v1/merchants/m-1/sales');
    expect(byHour.status).toBe(200);
    expect(byHour.body.totals).toEqual({
      chargesCount: 2,
      chargesAmount: '20.50',
      refundsCount: 1,
      refundsAmount: '2.00',
      netAmount: '18.50',
    });
    expect(byHour.body.buckets.length).toBeGreaterThanOrEqual(1);
    const byDay = await read(`/v1/merchants/m-1/sales?granularity=day&from=${today}`);
    expect(byDay.body.buckets).toEqual([{ bucket: today, ...byHour.body.totals }]);
    expect(byDay.body).toMatchObject({
      merchantId: 'm-1',
      name: 'East Canteen',
      category: 'canteen',
      granularity: 'day',
    });
  });

  it('GET /v1/reports/daily: totals by dimension and a trial balance that sums to zero', async () => {
    const today = businessDayOf(new Date(), testTimeZone);
    const report = await read(`/v1/reports/daily?date=${today}`);
    expect(report.status).toBe(200);
    expect(report.body.totals.channel).toEqual([{ key: 'wechat', count: 1, amount: '100.00' }]);
    expect(report.body.totals.payee).toEqual([{ key: 'water', count: 1, amount: '20.00' }]);
    expect(report.body.totals.merchant).toHaveLength(1);
    expect(report.body.trialBalance.day.total).toBe('0.00');
    expect(report.body.trialBalance.cumulative.total).toBe('0.00');
    expect(report.body.trialBalance.day.lines).toContainEqual({ ledgerAccount: 'card:*', balance: '61.50' });
    const yesterday = await read('/v1/reports/daily?date=2000-01-01');
    expect(yesterday.body.totals.channel).toEqual([]);
  });

  it('GET /v1/devices/{id}: registration, and presence once the gateway has seen the device', async () => {
    const unseen = await read('/v1/devices/d-1');
    expect(unseen.body).toMatchObject({
      deviceId: 'd-1',
      merchantId: 'm-1',
      kind: 'pos',
      status: 'active',
      position: positions.device,
    });
    expect(unseen.body.presence).toMatch(/^(unknown|offline)$/);

    await migrateDeviceStatus(stack.readModels.db);
    await stack.readModels.db('device_status').insert({
      device_id: 'd-1',
      presence: 'online',
      last_seen_at: '2025-03-10T04:00:00.000Z',
      last_seq: 9,
      highest_contiguous_seq: 6,
      gaps: JSON.stringify([{ from: 7, to: 8 }]),
    });
    const seen = await read('/v1/devices/d-1');
    expect(seen.body).toMatchObject({
      presence: 'online',
      lastSeenAt: '2025-03-10T04:00:00.000Z',
      lastSeq: 9,
      highestContiguousSeq: 6,
      gaps: [{ from: 7, to: 8 }],
    });
  });

  it('reads back every lifecycle command: limits, freeze, unfreeze, report-lost, replace-card, close', async () => {
    await write(
      'limits',
      '/v1/accounts/stu-1/limits',
      { perTransaction: '30', daily: '90', offlineLimit: '5' },
      'PUT',
    );
    expect((await read('/v1/accounts/stu-1')).body.limits).toEqual({
      perTransaction: '30.00',
      daily: '90.00',
      offlineLimit: '5.00',
    });
    await write('freeze', '/v1/accounts/stu-1/freeze', { reason: 'check' });
    expect((await read('/v1/accounts/stu-1')).body.status).toBe('frozen');
    await write('unfreeze', '/v1/accounts/stu-1/unfreeze', {});
    expect((await read('/v1/accounts/stu-1')).body.status).toBe('open');
    await write('lost', '/v1/accounts/stu-1/report-lost', {});
    expect((await read('/v1/accounts/stu-1')).body).toMatchObject({
      cardStatus: 'lost',
      cardNo: '6222********0001',
    });
    await write('replaced', '/v1/accounts/stu-1/replace-card', { newCardNo: '6222024444449999' });
    expect((await read('/v1/accounts/stu-1')).body).toMatchObject({
      cardStatus: 'active',
      cardNo: '6222********9999',
    });
    await write('close', '/v1/accounts/stu-1/close', { txId: 'close-1', payoutChannel: 'cash' });
    const closed = await read('/v1/accounts/stu-1');
    expect(closed.body).toMatchObject({ status: 'closed', balance: '0.00', position: positions.close });
    const statement = await read('/v1/accounts/stu-1/transactions?limit=1');
    expect(statement.body.items[0], JSON.stringify(statement.body)).toMatchObject({
      txId: 'close-1',
      type: 'close',
      amount: '-61.50',
      balanceAfter: '0.00',
    });
    const report = await read('/v1/reports/daily');
    expect(report.body.totals.payout).toEqual([{ key: 'cash', count: 1, amount: '61.50' }]);
    expect(report.body.trialBalance.cumulative.total).toBe('0.00');
  });

  it('lets a student read its own account', async () => {
    const student = createDevToken(testJwtSecret, 'student', 'stu-1');
    expect((await read('/v1/accounts/stu-1', student)).status).toBe(200);
    expect((await read('/v1/accounts/stu-1/transactions', student)).status).toBe(200);
  });

  it('reports health with projection lag, metrics of both apps in one registry, and its OpenAPI document', async () => {
    const health = await stack.queries.get('/health');
    expect(health.status).toBe(200);
    expect(health.body.checks).toMatchObject({
      eventStore: { ok: true },
      readModels: { ok: true },
      projections: { ok: true },
    });
    const metrics = await stack.queries.get('/metrics');
    expect(metrics.body).toContain('service="query-api"');
    expect(metrics.body).toContain('service="command-api"');
    const docs = await stack.queries.get('/docs/json');
    expect(Object.keys(docs.body.paths).sort()).toEqual(
      expect.arrayContaining([
        '/v1/accounts/{id}',
        '/v1/accounts/{id}/transactions',
        '/v1/accounts/{id}/balance',
        '/v1/merchants/{id}/sales',
        '/v1/reports/daily',
        '/v1/devices/{id}',
        '/health',
      ]),
    );
    expect(docs.body.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('never shows the full card number in a response or a log line', async () => {
    const text = stack.logs.lines.join('');
    expect(text).not.toContain(cardNo);
    const account = await read('/v1/accounts/stu-1');
    expect(JSON.stringify(account.body)).not.toContain(cardNo);
  });
});
