import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDevToken } from '../http-kit/index.ts';
import { testJwtSecret } from '../http-kit/testing/ledger-under-test.ts';
import { type AccountState, formatMoney } from '../ledger-core/index.ts';
import { serviceAvailable } from '../testing/services.ts';
import { type CommandApiUnderTest, startCommandApi } from './test-app.ts';

// I2 under contention over HTTP: 200 simultaneous 1.00 charges against 100.00.

const postgresUp = await serviceAvailable('postgres');
const admin = createDevToken(testJwtSecret, 'admin', 'ops');
const pos = createDevToken(testJwtSecret, 'pos', 'till-1');
const parallelCharges = 200;

describe.skipIf(!postgresUp)('command-api under concurrent charges', () => {
  let server: CommandApiUnderTest;
  beforeAll(async () => {
    server = await startCommandApi();
    const { api } = server;
    await api.post(
      '/v1/merchants',
      { merchantId: 'm-1', name: 'Canteen', category: 'canteen' },
      { token: admin },
    );
    await api.post(
      '/v1/accounts',
      { accountId: 'acc-1', holderName: 'Chen Jie', holderType: 'student', cardNo: '6222023333330001' },
      { token: admin },
    );
    await api.post(
      '/v1/accounts/acc-1/top-ups',
      { txId: 'tu-1', amount: '100.00', channel: 'cash' },
      { token: admin },
    );
  });
  afterAll(async () => server?.close());

  it('accepts exactly 100 of 200 parallel 1.00 charges on 100.00; the rest are insufficient_funds', async () => {
    const responses = await Promise.all(
      Array.from({ length: parallelCharges }, (_, index) =>
        server.api.post(
          '/v1/accounts/acc-1/charges',
          { txId: `par-${index}`, amount: '1.00', merchantId: 'm-1' },
          { token: pos },
        ),
      ),
    );
    const accepted = responses.filter((response) => response.status === 200);
    const refused = responses.filter((response) => response.status !== 200);
    expect(accepted).toHaveLength(100);
    expect(
      refused.every((response) => response.status === 422 && response.body.code === 'insufficient_funds'),
    ).toBe(true);
    // Each accepted charge saw its own balance: the balances after are exactly 99.00 … 0.00.
    const balances = accepted.map((response) => response.body.balance).sort((a, b) => Number(a) - Number(b));
    expect(balances).toEqual(Array.from({ length: 100 }, (_, index) => `${index}.00`));

    const { state } = await server.ledger.handler.load('account-acc-1');
    expect(formatMoney((state as AccountState).balance)).toBe('0.00');
    const charged = (await server.ledger.store.readStream('account-acc-1')).filter(
      (event) => event.type === 'Charged',
    );
    expect(charged).toHaveLength(100);
  });
});
