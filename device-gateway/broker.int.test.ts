import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AccountState, createCommandHandler, formatMoney, money } from '../ledger-core/index.ts';
import {
  type PrivateMosquitto,
  runTerminals,
  startPrivateMosquitto,
} from '../simulations/terminals/index.ts';
import { serviceAvailable, serviceUrls, uniqueName } from '../testing/services.ts';
import { startDeviceGateway } from './index.ts';
import {
  type GatewayFixture,
  startGatewayFixture,
  testMasterKey,
  timeZone,
} from './testing/gateway-fixture.ts';

const servicesUp = (await serviceAvailable('postgres')) && (await serviceAvailable('mqtt'));
const cardCount = 20;
const cardNoOf = (index: number) => `62300000${String(index).padStart(4, '0')}`;
const deviceIds = Array.from({ length: 5 }, (_, index) => `pos-br-${index + 1}`);

const seedTerminalsAndCards = async (fixture: GatewayFixture) => {
  for (const deviceId of deviceIds) await fixture.registerDevice(deviceId, 'canteen-1', 'pos');
  await Promise.all(
    Array.from({ length: cardCount }, (_, index) =>
      fixture.openAccount(`br-${index}`, cardNoOf(index), '900.00'),
    ),
  );
};

/** Every accepted charge is in the ledger exactly once, and nothing else is. */
const expectLedgerMatches = async (
  fixture: GatewayFixture,
  acceptedByCard: Record<string, string>,
  accepted: number,
) => {
  const charges = (await fixture.allEvents()).filter((event) => event.type === 'Charged');
  const txIds = charges.map((event) => (event.data as { txId: string }).txId);
  expect(new Set(txIds).size).toBe(txIds.length);
  expect(txIds.length).toBe(accepted);
  for (let index = 0; index < cardCount; index += 1) {
    const { state } = await fixture.handler.load(`account-br-${index}`);
    const expected = money('900.00').minus(acceptedByCard[cardNoOf(index)] ?? '0');
    expect(formatMoney((state as AccountState).balance)).toBe(formatMoney(expected));
  }
};

describe.skipIf(!servicesUp)('device gateway: a private broker restarted mid-run', () => {
  let broker: PrivateMosquitto;
  let fixture: GatewayFixture;

  beforeAll(async () => {
    broker = await startPrivateMosquitto();
    fixture = await startGatewayFixture({ mqttUrl: broker.url });
    await seedTerminalsAndCards(fixture);
  });
  afterAll(async () => {
    await fixture?.stop();
    await broker?.stop();
  });

  it('reconnects gateway and terminals by themselves; no accepted charge is lost or doubled', async () => {
    const run = runTerminals({
      mqttUrl: broker.url,
      topicPrefix: fixture.prefix,
      terminals: deviceIds.map((deviceId) => fixture.credentialsOf(deviceId)),
      cards: Array.from({ length: cardCount }, (_, index) => cardNoOf(index)),
      ratePerSecond: 150,
      durationMs: 4_000,
      responseTimeoutMs: 1_000,
      drainTimeoutMs: 20_000,
      seed: 5,
    });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await broker.halt();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await broker.resume();
    const report = await run;

    expect(report.problems).toEqual([]);
    expect(report.missingResponses).toBe(0);
    expect(report.requests).toBeGreaterThan(300);
    expect(report.resends).toBeGreaterThan(0);
    expect(report.byStatus.accepted).toBe(report.requests);
    expect(fixture.gateway.stats().connected).toBe(true);
    await expectLedgerMatches(fixture, report.acceptedByCard, report.byStatus.accepted);
  });
});

describe.skipIf(!servicesUp)('device gateway: two gateways in one shared-subscription group', () => {
  const sharedGroup = uniqueName('gateways');
  let fixture: GatewayFixture;

  beforeAll(async () => {
    fixture = await startGatewayFixture({ sharedGroup });
    await seedTerminalsAndCards(fixture);
  });
  afterAll(async () => {
    await fixture?.stop();
  });

  it('splits the requests between the gateways, each with its own handler, and answers each delivery once', async () => {
    const secondHandler = createCommandHandler({ store: fixture.store, timeZone });
    const second = await startDeviceGateway({
      mqttUrl: serviceUrls.mqtt,
      handler: secondHandler,
      store: fixture.store,
      db: fixture.db,
      deviceMasterKey: testMasterKey,
      timeZone,
      logger: pino({ level: 'silent' }),
      topicPrefix: fixture.prefix,
      sharedGroup,
    });
    try {
      const report = await runTerminals({
        mqttUrl: serviceUrls.mqtt,
        topicPrefix: fixture.prefix,
        terminals: deviceIds.map((deviceId) => fixture.credentialsOf(deviceId)),
        cards: Array.from({ length: cardCount }, (_, index) => cardNoOf(index)),
        ratePerSecond: 200,
        requestCount: 300,
        duplicates: { probability: 0.5 },
        drainTimeoutMs: 20_000,
        seed: 8,
      });
      expect(report.problems).toEqual([]);
      expect(report.missingResponses).toBe(0);
      expect(report.responses).toBe(report.sends);
      const first = fixture.gateway.stats().received;
      const other = second.stats().received;
      expect(first).toBeGreaterThan(0);
      expect(other).toBeGreaterThan(0);
      expect(first + other).toBe(report.sends);
      await expectLedgerMatches(fixture, report.acceptedByCard, report.byStatus.accepted);
      // Each gateway saw only part of every terminal's seqs; merged in device_status they leave no gap.
      const expected = deviceIds.map((deviceId) => {
        const last = (report.nextSeqs[deviceId] ?? 1) - 1;
        return {
          device_id: deviceId,
          last_seq: String(last),
          highest_contiguous_seq: String(last),
          gaps: [],
        };
      });
      await expect
        .poll(() =>
          fixture
            .db('device_status')
            .whereIn('device_id', deviceIds)
            .orderBy('device_id')
            .select('device_id', 'last_seq', 'highest_contiguous_seq', 'gaps'),
        )
        .toEqual(expected);
    } finally {
      await second.stop();
      await secondHandler.close();
    }
  });
});
