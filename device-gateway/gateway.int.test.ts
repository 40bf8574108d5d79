import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTerminal, type Terminal } from '../simulations/terminals/terminal.ts';
import { serviceAvailable, serviceUrls } from '../testing/services.ts';
import { type GatewayFixture, startGatewayFixture } from './testing/gateway-fixture.ts';

const servicesUp = (await serviceAvailable('postgres')) && (await serviceAvailable('mqtt'));

const waitFor = async <Value>(
  read: () => Promise<Value>,
  accept: (value: Value) => boolean,
  timeoutMs = 5_000,
) => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (accept(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

describe.skipIf(!servicesUp)('device gateway on Mosquitto: each request type', () => {
  let fixture: GatewayFixture;
  let pos: Terminal;
  let kiosk: Terminal;
  const now = () => new Date().toISOString();

  beforeAll(async () => {
    fixture = await startGatewayFixture();
    await fixture.openAccount('alice', '6200000000000001', '100.00');
    const connect = (deviceId: string) =>
      connectTerminal({
        mqttUrl: serviceUrls.mqtt,
        topicPrefix: fixture.prefix,
        credentials: fixture.credentialsOf(deviceId),
      });
    pos = await connect('pos-1');
    kiosk = await connect('kiosk-1');
  });
  afterAll(async () => {
    await Promise.all([pos?.close(), kiosk?.close()]);
    await fixture?.stop();
  });

  it('answers charge, balance, refund, top-up and bill payment as the ledger records them', async () => {
    const cardNo = '6200000000000001';
    const charge = await pos.request({
      seq: pos.allocateSeq(),
      type: 'charge',
      cardNo,
      amount: '12.5',
      occurredAt: now(),
    });
    expect(charge).toMatchObject({
      seq: 1,
      status: 'accepted',
      txId: 'pos-1-1',
      balance: '87.50',
      replayed: false,
    });
    const recorded = await fixture.store.findTransaction('pos-1-1');
    expect(recorded?.streamId).toBe('account-alice');
    expect(charge.position).toBe(recorded?.position.toString());
    const [event] = await fixture.store.readStream('account-alice', {
      fromRevision: recorded?.revision ?? 0,
    });
    expect(event?.data).toEqual({
      txId: 'pos-1-1',
      amount: '12.50',
      merchantId: 'canteen-1',
      deviceId: 'pos-1',
      offline: false,
    });
    expect(event?.metadata.actor).toEqual({ type: 'pos', id: 'pos-1' });

    const balance = await pos.request({ seq: pos.allocateSeq(), type: 'balance', cardNo, occurredAt: now() });
    expect(balance).toMatchObject({
      seq: 2,
      status: 'accepted',
      txId: 'pos-1-2',
      balance: '87.50',
      position: charge.position,
    });

    const refund = await pos.request({
      seq: pos.allocateSeq(),
      type: 'refund',
      cardNo,
      amount: '2.50',
      chargeSeq: 1,
      occurredAt: now(),
    });
    expect(refund).toMatchObject({ status: 'accepted', txId: 'pos-1-3', balance: '90.00' });

    const topUp = await kiosk.request({
      seq: kiosk.allocateSeq(),
      type: 'top-up',
      cardNo,
      amount: '50.00',
      occurredAt: now(),
    });
    expect(topUp).toMatchObject({ status: 'accepted', txId: 'kiosk-1-1', balance: '140.00' });
    const bill = await kiosk.request({
      seq: kiosk.allocateSeq(),
      type: 'bill-payment',
      cardNo,
      amount: '10.00',
      payee: 'water',
      billRef: 'dorm-7-2026-03',
      occurredAt: now(),
    });
    expect(bill).toMatchObject({ status: 'accepted', txId: 'kiosk-1-2', balance: '130.00' });
    expect(await fixture.balanceOf('alice')).toBe('130.00');

    const topUpEvent = (await fixture.store.readStream('account-alice')).find(
      (e) => e.type === 'ToppedUp' && (e.data as { txId: string }).txId === 'kiosk-1-1',
    );
    expect(topUpEvent?.data).toMatchObject({ channel: 'cash', amount: '50.00' });
  });

  it('serves a card opened a moment ago: an unknown card first waits for the directory to reach the head', async () => {
    await fixture.openAccount('hana', '6200000000000008', '15.00');
    const charge = await pos.request({
      seq: pos.allocateSeq(),
      type: 'charge',
      cardNo: '6200000000000008',
      amount: '5.00',
      occurredAt: now(),
    });
    expect(charge).toMatchObject({ status: 'accepted', balance: '10.00' });
  });

  it('refuses request types a device kind may not send, and moves nothing', async () => {
    const cardNo = '6200000000000001';
    const before = await fixture.headPosition();
    const kioskCharge = await kiosk.request({
      seq: kiosk.allocateSeq(),
      type: 'charge',
      cardNo,
      amount: '1.00',
      occurredAt: now(),
    });
    expect(kioskCharge).toMatchObject({ status: 'rejected', code: 'forbidden' });
    const posTopUp = await pos.request({
      seq: pos.allocateSeq(),
      type: 'top-up',
      cardNo,
      amount: '1.00',
      occurredAt: now(),
    });
    expect(posTopUp).toMatchObject({ status: 'rejected', code: 'forbidden' });
    const unknownCard = await pos.request({
      seq: pos.allocateSeq(),
      type: 'charge',
      cardNo: '6299999999999999',
      amount: '1.00',
      occurredAt: now(),
    });
    expect(unknownCard).toMatchObject({ status: 'rejected', code: 'account_not_found' });
    expect(await fixture.headPosition()).toBe(before);
  });

  it('records presence, last-seen time and seqs in device_status, and pushes the device config', async () => {
    // Every seq pos-1 sent so far got a final answer; refusals (forbidden, unknown card) count as well.
    const sent = pos.allTracked().length;
    const row = await waitFor(
      () => fixture.db('device_status').where({ device_id: 'pos-1' }).first(),
      (value) => value !== undefined && Number(value.last_seq) === sent,
    );
    expect(row).toMatchObject({ presence: 'online', gaps: [] });
    expect(Number(row.last_seq)).toBe(sent);
    expect(Number(row.highest_contiguous_seq)).toBe(sent);
    expect(row.last_seen_at).toBeInstanceOf(Date);
    expect(pos.config()).toMatchObject({
      deviceId: 'pos-1',
      merchantId: 'canteen-1',
      kind: 'pos',
      status: 'active',
      offlineLimit: '50.00',
    });

    pos.cutOff();
    const offline = await waitFor(
      () => fixture.db('device_status').where({ device_id: 'pos-1' }).first(),
      (value) => value?.presence === 'offline',
    );
    expect(offline.presence).toBe('offline');
    await pos.reconnect();
  });

  it('republishes the lost-card list when a card is reported lost or replaced, and refuses the card online', async () => {
    await fixture.openAccount('dave', '6200000000000004', '40.00');
    await fixture.run({ type: 'ReportCardLost', accountId: 'dave', occurredAt: now() });
    await expect.poll(() => pos.lostCards().has('6200000000000004')).toBe(true);
    await fixture.run({
      type: 'ReplaceCard',
      accountId: 'dave',
      newCardNo: '6200000000000044',
      occurredAt: now(),
    });
    await fixture.openAccount('frank', '6200000000000005');
    await fixture.run({
      type: 'ReplaceCard',
      accountId: 'frank',
      newCardNo: '6200000000000055',
      occurredAt: now(),
    });
    await expect.poll(() => pos.lostCards().has('6200000000000005')).toBe(true);
    expect(pos.lostCards().has('6200000000000044')).toBe(false);

    const online = await pos.request({
      seq: pos.allocateSeq(),
      type: 'charge',
      cardNo: '6200000000000004',
      amount: '1.00',
      occurredAt: now(),
    });
    expect(online).toMatchObject({ status: 'rejected', code: 'card_lost' });
    const balance = await pos.request({
      seq: pos.allocateSeq(),
      type: 'balance',
      cardNo: '6200000000000004',
      occurredAt: now(),
    });
    expect(balance).toMatchObject({ status: 'rejected', code: 'card_lost' });
    // The terminal that was offline already handed the goods over: the ledger takes it (I2, up to the offline limit).
    const offline = await pos.request({
      seq: pos.allocateSeq(),
      type: 'charge',
      cardNo: '6200000000000004',
      amount: '2.00',
      offline: true,
      occurredAt: new Date(Date.now() - 60_000).toISOString(),
    });
    expect(offline).toMatchObject({ status: 'accepted', balance: '38.00' });
    const renewed = await pos.request({
      seq: pos.allocateSeq(),
      type: 'charge',
      cardNo: '6200000000000044',
      amount: '3.00',
      occurredAt: now(),
    });
    expect(renewed).toMatchObject({ status: 'accepted', balance: '35.00' });
  });
});
