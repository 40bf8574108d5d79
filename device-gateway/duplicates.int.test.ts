import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AccountState, formatMoney, money } from '../ledger-core/index.ts';
import { runTerminals } from '../simulations/terminals/index.ts';
import { serviceAvailable, serviceUrls } from '../testing/services.ts';
import { type GatewayFixture, startGatewayFixture } from './testing/gateway-fixture.ts';

const servicesUp = (await serviceAvailable('postgres')) && (await serviceAvailable('mqtt'));
const terminalCount = 10;
const cardCount = 50;
const openingBalance = '500.00';
const cardNoOf = (index: number) => `62100000${String(index).padStart(4, '0')}`;

describe.skipIf(!servicesUp)('device gateway: every message delivered two or three times', () => {
  let fixture: GatewayFixture;
  const deviceIds = Array.from({ length: terminalCount }, (_, index) => `pos-dup-${index + 1}`);

  beforeAll(async () => {
    fixture = await startGatewayFixture();
    for (const deviceId of deviceIds) await fixture.registerDevice(deviceId, 'canteen-1', 'pos');
    await Promise.all(
      Array.from({ length: cardCount }, (_, index) =>
        fixture.openAccount(`dup-${index}`, cardNoOf(index), openingBalance),
      ),
    );
  });
  afterAll(async () => {
    await fixture?.stop();
  });

  it('applies each txId once and leaves every balance exact', async () => {
    const report = await runTerminals({
      mqttUrl: serviceUrls.mqtt,
      topicPrefix: fixture.prefix,
      terminals: deviceIds.map((deviceId) => fixture.credentialsOf(deviceId)),
      cards: Array.from({ length: cardCount }, (_, index) => cardNoOf(index)),
      ratePerSecond: 'max',
      requestCount: 1_000,
      duplicates: { probability: 1, thirdCopyProbability: 0.2 },
      maxOutstandingPerTerminal: 8,
      drainTimeoutMs: 45_000,
      seed: 42,
    });

    expect(report.problems).toEqual([]);
    expect(report.requests).toBe(1_000);
    expect(report.missingResponses).toBe(0);
    expect(report.extraResponses).toBe(0);
    expect(report.duplicatesInjected).toBeGreaterThan(1_100);
    // Exactly one answer per delivery.
    expect(report.responses).toBe(report.sends);
    expect(report.byStatus.accepted + report.byStatus.rejected).toBe(1_000);
    expect(report.byStatus.accepted).toBeGreaterThan(900);

    const charges = (await fixture.allEvents()).filter((event) => event.type === 'Charged');
    const txIds = charges.map((event) => (event.data as { txId: string }).txId);
    expect(new Set(txIds).size).toBe(txIds.length);
    expect(txIds.length).toBe(report.byStatus.accepted);

    for (let index = 0; index < cardCount; index += 1) {
      const { state } = await fixture.handler.load(`account-dup-${index}`);
      const charged = report.acceptedByCard[cardNoOf(index)] ?? '0.00';
      expect(formatMoney((state as AccountState).balance)).toBe(
        formatMoney(money(openingBalance).minus(charged)),
      );
    }
  });
});
