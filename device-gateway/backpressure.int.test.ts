import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandHandler } from '../ledger-core/index.ts';
import { connectTerminal } from '../simulations/terminals/index.ts';
import { serviceAvailable, serviceUrls } from '../testing/services.ts';
import { type GatewayFixture, startGatewayFixture } from './testing/gateway-fixture.ts';

const servicesUp = (await serviceAvailable('postgres')) && (await serviceAvailable('mqtt'));
const maxInflightCommands = 4;
const requestCount = 60;

describe.skipIf(!servicesUp)('device gateway: backpressure', () => {
  let fixture: GatewayFixture;
  let openGate: () => void = () => undefined;

  beforeAll(async () => {
    fixture = await startGatewayFixture();
    await fixture.openAccount('gail', '6200000000000066', '500.00');
    const gate = new Promise<void>((resolve) => {
      openGate = resolve;
    });
    // A ledger that cannot keep up: every command waits until the test opens the gate.
    const stalled: CommandHandler = {
      ...fixture.handler,
      handle: async (command, context) => {
        await gate;
        return fixture.handler.handle(command, context);
      },
    };
    await fixture.restartGateway({ handler: stalled, maxInflightCommands });
  });
  afterAll(async () => {
    openGate();
    await fixture?.stop();
  });

  it('stops reading at maxInflightCommands and serves everything once the ledger catches up', async () => {
    const pos = await connectTerminal({
      mqttUrl: serviceUrls.mqtt,
      topicPrefix: fixture.prefix,
      credentials: fixture.credentialsOf('pos-1'),
    });
    for (let index = 0; index < requestCount; index += 1) {
      const seq = pos.allocateSeq();
      pos.send(
        seq,
        pos.sign({
          seq,
          type: 'charge',
          cardNo: '6200000000000066',
          amount: '1.00',
          occurredAt: new Date().toISOString(),
        }),
      );
    }
    await expect.poll(() => fixture.gateway.stats().readPauses).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const stalledStats = fixture.gateway.stats();
    expect(stalledStats.inflight).toBe(maxInflightCommands);
    expect(stalledStats.received).toBe(maxInflightCommands);
    expect(stalledStats.answered).toBe(0);

    openGate();
    await expect
      .poll(() => pos.allTracked().filter((tracked) => tracked.responses.length > 0).length, {
        timeout: 15_000,
      })
      .toBe(requestCount);
    const stats = fixture.gateway.stats();
    expect(stats.maxInflightSeen).toBe(maxInflightCommands);
    expect(stats.received).toBe(requestCount);
    expect(pos.allTracked().every((tracked) => tracked.responses[0]?.status === 'accepted')).toBe(true);
    expect(await fixture.balanceOf('gail')).toBe('440.00');
    await pos.close();
  });
});
