import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTerminal, type Terminal } from '../simulations/terminals/index.ts';
import { serviceAvailable } from '../testing/services.ts';
import { type EmbeddedBroker, startEmbeddedBroker } from './index.ts';
import { type GatewayFixture, startGatewayFixture } from './testing/gateway-fixture.ts';

const postgresUp = await serviceAvailable('postgres');

describe.skipIf(!postgresUp)('device gateway on the embedded aedes broker', () => {
  let broker: EmbeddedBroker;
  let fixture: GatewayFixture;
  let pos: Terminal;

  beforeAll(async () => {
    broker = await startEmbeddedBroker({ port: 0, host: '127.0.0.1' });
    fixture = await startGatewayFixture({ mqttUrl: broker.url, mqttProtocolVersion: 4 });
    await fixture.openAccount('erin', '6200000000000077', '30.00');
    pos = await connectTerminal({
      mqttUrl: broker.url,
      topicPrefix: fixture.prefix,
      credentials: fixture.credentialsOf('pos-1'),
      mqttProtocolVersion: 4,
    });
  });
  afterAll(async () => {
    await pos?.close();
    await fixture?.stop();
    await broker?.stop();
  });

  it('serves a charge, answers its duplicate from the record, and pushes the config', async () => {
    expect(broker.url).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+$/);
    const request = {
      seq: pos.allocateSeq(),
      type: 'charge',
      cardNo: '6200000000000077',
      amount: '7.25',
      occurredAt: new Date().toISOString(),
    } as const;
    const first = await pos.request(request, 2);
    expect(first).toMatchObject({ seq: 1, status: 'accepted', txId: 'pos-1-1', balance: '22.75' });
    await expect.poll(() => pos.tracked(1)?.responses.length).toBe(2);
    expect(
      pos
        .tracked(1)
        ?.responses.map((response) => response.replayed)
        .sort(),
    ).toEqual([false, true]);
    expect(await fixture.balanceOf('erin')).toBe('22.75');
    await expect.poll(() => pos.config()).toMatchObject({ merchantId: 'canteen-1', kind: 'pos' });
  });
});
