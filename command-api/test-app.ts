import type { FastifyInstance } from 'fastify';
import type { RateLimitOptions } from '../http-kit/index.ts';
import { type HttpClient, httpClient } from '../http-kit/testing/http-client.ts';
import {
  type CapturedLogger,
  capturingLogger,
  type LedgerUnderTest,
  listenOnEphemeralPort,
  openPostgresLedger,
  testDeviceMasterKey,
  testJwtSecret,
  testRateLimit,
  testTimeZone,
} from '../http-kit/testing/ledger-under-test.ts';
import { buildCommandApi } from './index.ts';

// A listening command-api on a fresh Postgres event store, for the integration tests of this folder.

export type CommandApiUnderTest = {
  ledger: LedgerUnderTest;
  app: FastifyInstance;
  api: HttpClient;
  logs: CapturedLogger;
  close: () => Promise<void>;
};

export const startCommandApi = async (
  options: { rateLimit?: RateLimitOptions; clock?: () => Date } = {},
): Promise<CommandApiUnderTest> => {
  const ledger = await openPostgresLedger();
  const logs = capturingLogger();
  const app = await buildCommandApi({
    handler: ledger.handler,
    store: ledger.store,
    auth: { jwtSecret: testJwtSecret },
    deviceMasterKey: testDeviceMasterKey,
    timeZone: testTimeZone,
    logger: logs.logger,
    rateLimit: options.rateLimit ?? testRateLimit,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const api = httpClient(await listenOnEphemeralPort(app));
  return {
    ledger,
    app,
    api,
    logs,
    close: async () => {
      await app.close();
      await ledger.close();
    },
  };
};

/**
 * A small world for refusal tests: merchants m-1 and m-2, device d-1 of m-1; acc-1 with 35.00 after
 * charges ch-1 (20.00) and ch-2 (45.00) today (limits 50 per transaction, 80 a day, 10 offline); and
 * one account each frozen, with its card lost, and closed.
 */
export const seedWorld = async (api: HttpClient, adminToken: string): Promise<void> => {
  const ok = async (response: Promise<{ status: number; body: unknown }>) => {
    const { status, body } = await response;
    if (status >= 300) throw new Error(`seeding failed: ${status} ${JSON.stringify(body)}`);
  };
  const as = { token: adminToken };
  await ok(api.post('/v1/merchants', { merchantId: 'm-1', name: 'Canteen', category: 'canteen' }, as));
  await ok(api.post('/v1/merchants', { merchantId: 'm-2', name: 'Shop', category: 'shop' }, as));
  await ok(api.post('/v1/devices', { deviceId: 'd-1', merchantId: 'm-1', kind: 'pos' }, as));
  const limits = { perTransaction: '50.00', daily: '80.00' };
  for (const [accountId, cardNo] of [
    ['acc-1', '6222021111110001'],
    ['acc-frozen', '6222021111110002'],
    ['acc-lost', '6222021111110003'],
    ['acc-closed', '6222021111110004'],
  ] as const) {
    await ok(
      api.post(
        '/v1/accounts',
        {
          accountId,
          holderName: 'Test Holder',
          holderType: 'student',
          cardNo,
          limits,
          offlineLimit: '10.00',
        },
        as,
      ),
    );
    await ok(
      api.post(
        `/v1/accounts/${accountId}/top-ups`,
        { txId: `seed-${accountId}`, amount: '100.00', channel: 'cash' },
        as,
      ),
    );
  }
  await ok(api.post('/v1/accounts/acc-1/charges', { txId: 'ch-1', amount: '20.00', merchantId: 'm-1' }, as));
  await ok(api.post('/v1/accounts/acc-1/charges', { txId: 'ch-2', amount: '45.00', merchantId: 'm-1' }, as));
  await ok(api.post('/v1/accounts/acc-frozen/freeze', { reason: 'test' }, as));
  await ok(api.post('/v1/accounts/acc-lost/report-lost', {}, as));
  await ok(api.post('/v1/accounts/acc-closed/close', { txId: 'seed-close', payoutChannel: 'cash' }, as));
};
