import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveDeviceSecret, signDevicePayload } from '../ledger-core/index.ts';
import { connectTerminal, type Terminal } from '../simulations/terminals/terminal.ts';
import { serviceAvailable, serviceUrls } from '../testing/services.ts';
import { deviceTopic } from './index.ts';
import { type GatewayFixture, startGatewayFixture } from './testing/gateway-fixture.ts';

const servicesUp = (await serviceAvailable('postgres')) && (await serviceAvailable('mqtt'));
const cardNo = '6200000000000002';
const now = () => new Date().toISOString();

describe.skipIf(!servicesUp)('device gateway: hostile and broken requests', () => {
  let fixture: GatewayFixture;
  let pos: Terminal;
  let other: Terminal;
  let ghost: Terminal;
  let retired: Terminal;

  beforeAll(async () => {
    fixture = await startGatewayFixture();
    await fixture.openAccount('bob', cardNo, '100.00');
    const connect = (credentials: { deviceId: string; secret: string }) =>
      connectTerminal({ mqttUrl: serviceUrls.mqtt, topicPrefix: fixture.prefix, credentials });
    pos = await connect(fixture.credentialsOf('pos-1'));
    other = await connect(fixture.credentialsOf('pos-2'));
    // Credentials that look right but whose device was never registered / was decommissioned.
    ghost = await connect(fixture.credentialsOf('pos-ghost'));
    retired = await connect(fixture.credentialsOf('pos-old'));
  });
  afterAll(async () => {
    await Promise.all([pos, other, ghost, retired].map((terminal) => terminal?.close()));
    await fixture?.stop();
  });

  /** Publishes raw bytes as pos-1 and waits for the answer that carries no readable seq. */
  const rawAnswer = async (payload: string | Buffer) => {
    const strays = pos.strayResponses().length;
    await pos.publishRaw(deviceTopic(fixture.prefix, 'pos-1', 'requests'), payload);
    const deadline = Date.now() + 5_000;
    while (pos.strayResponses().length === strays && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return pos.strayResponses()[strays];
  };

  it('answers every kind of garbage with a stable code, writes nothing, and keeps serving', async () => {
    const head = await fixture.headPosition();

    const seq = pos.allocateSeq();
    const forged = { seq, type: 'charge', cardNo, amount: '5.00', occurredAt: now() } as const;
    const forgedSig = signDevicePayload(deriveDeviceSecret('not-the-master-key', 'pos-1', 'k1'), forged);
    pos.send(seq, JSON.stringify({ ...forged, sig: forgedSig }));
    expect(await pos.firstResponse(seq, 5_000)).toEqual({
      seq,
      status: 'rejected',
      code: 'bad_signature',
      txId: `pos-1-${seq}`,
    });

    // pos-2's own valid signature, but on pos-1's topic: the topic names the device, so it does not verify.
    const borrowedSeq = pos.allocateSeq();
    const borrowed = other.sign({
      seq: borrowedSeq,
      type: 'charge',
      cardNo,
      amount: '5.00',
      occurredAt: now(),
    });
    pos.send(borrowedSeq, borrowed);
    expect(await pos.firstResponse(borrowedSeq, 5_000)).toMatchObject({ code: 'bad_signature' });

    // A device cannot name a merchant: the charge always goes to the device's own merchant.
    const namingSeq = pos.allocateSeq();
    const naming = {
      seq: namingSeq,
      type: 'charge',
      cardNo,
      amount: '5.00',
      occurredAt: now(),
      merchantId: 'shop-1',
    };
    pos.send(
      namingSeq,
      JSON.stringify({ ...naming, sig: signDevicePayload(fixture.credentialsOf('pos-1').secret, naming) }),
    );
    expect(await pos.firstResponse(namingSeq, 5_000)).toMatchObject({ code: 'validation_failed' });

    const wrongTypeSeq = pos.allocateSeq();
    const wrongType = { seq: wrongTypeSeq, type: 'charge', cardNo, amount: 5, occurredAt: now() };
    pos.send(
      wrongTypeSeq,
      JSON.stringify({
        ...wrongType,
        sig: signDevicePayload(fixture.credentialsOf('pos-1').secret, wrongType),
      }),
    );
    expect(await pos.firstResponse(wrongTypeSeq, 5_000)).toEqual({
      seq: wrongTypeSeq,
      status: 'rejected',
      code: 'validation_failed',
      txId: `pos-1-${wrongTypeSeq}`,
    });

    expect(await rawAnswer('{"seq": 1, "type": "charge", ')).toEqual({
      seq: null,
      status: 'rejected',
      code: 'validation_failed',
    });
    expect(await rawAnswer('[1, 2, 3]')).toMatchObject({ seq: null, code: 'validation_failed' });
    expect(await rawAnswer(Buffer.alloc(1024 * 1024, 'x'))).toMatchObject({
      seq: null,
      code: 'validation_failed',
    });

    expect(
      await ghost.request({
        seq: ghost.allocateSeq(),
        type: 'charge',
        cardNo,
        amount: '5.00',
        occurredAt: now(),
      }),
    ).toMatchObject({
      status: 'rejected',
      code: 'unknown_device',
    });
    expect(
      await retired.request({
        seq: retired.allocateSeq(),
        type: 'charge',
        cardNo,
        amount: '5.00',
        occurredAt: now(),
      }),
    ).toMatchObject({
      code: 'unknown_device',
    });

    // A topic with no valid device id cannot be answered; it is counted and dropped.
    const unanswerable = fixture.gateway.stats().unanswerable;
    await pos.publishRaw(`${fixture.prefix}/devices/not a device!/requests`, '{}');
    const deadline = Date.now() + 5_000;
    while (fixture.gateway.stats().unanswerable === unanswerable && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(fixture.gateway.stats().unanswerable).toBe(unanswerable + 1);

    expect(await fixture.headPosition()).toBe(head);
    expect(await fixture.balanceOf('bob')).toBe('100.00');
    expect(fixture.gateway.stats().garbage).toBeGreaterThanOrEqual(9);

    const good = await pos.request({
      seq: pos.allocateSeq(),
      type: 'charge',
      cardNo,
      amount: '5.00',
      occurredAt: now(),
    });
    expect(good).toMatchObject({ status: 'accepted', balance: '95.00' });
  });

  it('refuses the same seq with other content (idempotency_conflict) and answers a true duplicate from the record', async () => {
    const seq = pos.allocateSeq();
    const first = await pos.request({ seq, type: 'charge', cardNo, amount: '3.00', occurredAt: now() });
    expect(first).toMatchObject({ status: 'accepted', replayed: false });
    const head = await fixture.headPosition();

    const changed = pos.sign({ seq, type: 'charge', cardNo, amount: '30.00', occurredAt: now() });
    pos.send(seq, changed);
    await expect.poll(() => pos.tracked(seq)?.responses.length).toBe(2);
    expect(pos.tracked(seq)?.responses[1]).toEqual({
      seq,
      status: 'rejected',
      code: 'idempotency_conflict',
      txId: `pos-1-${seq}`,
    });

    const again = pos.sign({ seq, type: 'charge', cardNo, amount: '3.00', occurredAt: now() });
    pos.send(seq, again);
    await expect.poll(() => pos.tracked(seq)?.responses.length).toBe(3);
    expect(pos.tracked(seq)?.responses[2]).toEqual({ ...first, replayed: true });
    expect(await fixture.headPosition()).toBe(head);

    // Another device's refund names its own charges only: pos-2 has no charge with this seq.
    const refund = await other.request({
      seq: other.allocateSeq(),
      type: 'refund',
      cardNo,
      amount: '1.00',
      chargeSeq: seq,
      occurredAt: now(),
    });
    expect(refund).toMatchObject({ status: 'rejected', code: 'charge_not_found' });
  });
});
