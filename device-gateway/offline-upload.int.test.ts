import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AccountState, formatMoney, money } from '../ledger-core/index.ts';
import { connectTerminal, runTerminals } from '../simulations/terminals/index.ts';
import { serviceAvailable, serviceUrls } from '../testing/services.ts';
import { lostCardsTopic } from './index.ts';
import { type GatewayFixture, startGatewayFixture } from './testing/gateway-fixture.ts';

const servicesUp = (await serviceAvailable('postgres')) && (await serviceAvailable('mqtt'));
const cardNoOf = (index: number) => `62200000${String(index).padStart(4, '0')}`;
const cardCount = 20;
const lostCard = cardNoOf(cardCount);

const statusOf = async (fixture: GatewayFixture, deviceId: string) => {
  const row = await fixture.db('device_status').where({ device_id: deviceId }).first();
  return row
    ? { last: Number(row.last_seq), contiguous: Number(row.highest_contiguous_seq), gaps: row.gaps }
    : undefined;
};

describe.skipIf(!servicesUp)('device gateway: offline terminals', () => {
  let fixture: GatewayFixture;

  beforeAll(async () => {
    fixture = await startGatewayFixture();
    await fixture.registerDevice('pos-off', 'canteen-1', 'pos');
    await fixture.registerDevice('pos-gaps', 'canteen-1', 'pos');
    for (let index = 0; index <= cardCount; index += 1) {
      await fixture.openAccount(`off-${index}`, cardNoOf(index), '20.00');
    }
    await fixture.run({
      type: 'ReportCardLost',
      accountId: `off-${cardCount}`,
      occurredAt: new Date().toISOString(),
    });
  });
  afterAll(async () => {
    await fixture?.stop();
  });

  it('pushes the lost-card list, retained and versioned by ledger position', async () => {
    const terminal = await connectTerminal({
      mqttUrl: serviceUrls.mqtt,
      topicPrefix: fixture.prefix,
      credentials: fixture.credentialsOf('pos-gaps'),
    });
    await expect.poll(() => terminal.lostCards().has(lostCard)).toBe(true);
    await terminal.close();
    const topic = lostCardsTopic(fixture.prefix);
    expect(topic.endsWith('/broadcast/lost-cards')).toBe(true);
  });

  it('applies 200 queued charges uploaded out of order once each, with debts as I2 allows', async () => {
    const uploadStartedAt = Date.now();
    const report = await runTerminals({
      mqttUrl: serviceUrls.mqtt,
      topicPrefix: fixture.prefix,
      terminals: [fixture.credentialsOf('pos-off')],
      cards: [...Array.from({ length: cardCount }, (_, index) => cardNoOf(index)), lostCard],
      ratePerSecond: 1_000,
      requestCount: 200,
      // 0.50 to 60.00: some offline charges are above the 50.00 offline limit.
      amountFen: { min: 50, max: 6_000 },
      // Every charge arrives while the terminal is cut off; the warm-up lets the retained lost-card list arrive.
      warmUpMs: 300,
      offlinePeriods: [{ deviceId: 'pos-off', startMs: 0, durationMs: 1_500 }],
      drainTimeoutMs: 30_000,
      seed: 9,
    });

    expect(report.problems).toEqual([]);
    expect(report.offlineQueued).toBe(200);
    expect(report.offlineRefusedLostCards).toBeGreaterThan(0);
    expect(report.missingResponses).toBe(0);
    expect(report.responses).toBe(report.sends);
    expect(Object.keys(report.byCode).sort()).toEqual(['offline_limit_exceeded', 'ok']);

    const charges = (await fixture.allEvents()).filter(
      (event) => event.type === 'Charged' && (event.data as { deviceId?: string }).deviceId === 'pos-off',
    );
    const txIds = charges.map((event) => (event.data as { txId: string }).txId);
    expect(new Set(txIds).size).toBe(txIds.length);
    expect(txIds.length).toBe(report.byStatus.accepted);
    for (const charge of charges) {
      expect(charge.data).toMatchObject({ offline: true, merchantId: 'canteen-1' });
      expect(money((charge.data as { amount: string }).amount).lessThanOrEqualTo('50.00')).toBe(true);
      // The device's own time of sale is kept, not the time of upload.
      expect(new Date(charge.metadata.occurredAt).getTime()).toBeLessThan(uploadStartedAt + 1_800);
    }
    let debtors = 0;
    for (let index = 0; index < cardCount; index += 1) {
      const { state } = await fixture.handler.load(`account-off-${index}`);
      const balance = (state as AccountState).balance;
      expect(formatMoney(balance)).toBe(
        formatMoney(money('20.00').minus(report.acceptedByCard[cardNoOf(index)] ?? '0')),
      );
      if (balance.isNegative()) debtors += 1;
    }
    expect(debtors).toBeGreaterThan(0);
    expect(report.acceptedByCard[lostCard]).toBeUndefined();

    const uploaded = report.requests;
    await expect
      .poll(() => statusOf(fixture, 'pos-off'))
      .toEqual({ last: uploaded, contiguous: uploaded, gaps: [] });
  });

  it('tracks the highest contiguous seq and the gaps of requests that never arrived', async () => {
    const terminal = await connectTerminal({
      mqttUrl: serviceUrls.mqtt,
      topicPrefix: fixture.prefix,
      credentials: fixture.credentialsOf('pos-gaps'),
    });
    const send = (seq: number) =>
      terminal.request({ seq, type: 'balance', cardNo: cardNoOf(0), occurredAt: new Date().toISOString() });
    for (const seq of [1, 2, 3, 5, 6, 9, 10]) expect(await send(seq)).toMatchObject({ status: 'accepted' });
    await expect
      .poll(() => statusOf(fixture, 'pos-gaps'))
      .toEqual({
        last: 10,
        contiguous: 3,
        gaps: [
          { from: 4, to: 4 },
          { from: 7, to: 8 },
        ],
      });
    await send(4);
    await send(8);
    await expect
      .poll(() => statusOf(fixture, 'pos-gaps'))
      .toEqual({ last: 10, contiguous: 6, gaps: [{ from: 7, to: 7 }] });
    await terminal.close();
  });
});
