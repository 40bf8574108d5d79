import { describe, expect, it } from 'vitest';
import { ledgerCommandSchema } from '../commands.ts';
import type { RecordedEvent } from '../event-store/port.ts';
import { createReferenceChecks } from './reference-checks.ts';

const recorded = (streamId: string, type: string, data: unknown): RecordedEvent => ({
  eventId: `${streamId}-0`,
  streamId,
  revision: 0,
  position: 1n,
  type,
  data,
  metadata: {
    schemaVersion: 1,
    correlationId: 'test',
    causationId: 'test',
    actor: { type: 'system', id: 'test' },
    occurredAt: '2025-03-01T02:00:00.000Z',
    recordedAt: '2025-03-01T02:00:00.000Z',
    prevHash: '0'.repeat(64),
    hash: '1'.repeat(64),
  },
});

const streams: Record<string, RecordedEvent[]> = {
  'merchant-m1': [
    recorded('merchant-m1', 'MerchantRegistered', { merchantId: 'm1', name: 'Canteen', category: 'canteen' }),
  ],
  'device-d1': [
    recorded('device-d1', 'DeviceRegistered', { deviceId: 'd1', merchantId: 'm1', kind: 'pos', keyId: 'k1' }),
  ],
};

/** A store whose reads take a while, counting them per stream. */
const slowStore = () => {
  const reads = new Map<string, number>();
  return {
    reads,
    readStream: async (streamId: string) => {
      reads.set(streamId, (reads.get(streamId) ?? 0) + 1);
      await new Promise((resolve) => setTimeout(resolve, 20));
      return streams[streamId] ?? [];
    },
  };
};

const charge = (index: number, deviceId = 'd1') =>
  ledgerCommandSchema.parse({
    type: 'Charge',
    occurredAt: '2025-03-01T03:00:00.000Z',
    accountId: 'a1',
    txId: `c${index}`,
    amount: '1.00',
    merchantId: 'm1',
    deviceId,
  });

describe('reference checks', () => {
  it('reads a merchant and a device once for a burst of charges that arrive while the first read is under way', async () => {
    const store = slowStore();
    const checks = createReferenceChecks(store);
    await Promise.all(Array.from({ length: 50 }, (_, index) => checks.check(charge(index))));
    expect(Object.fromEntries(store.reads)).toEqual({ 'merchant-m1': 1, 'device-d1': 1 });
  });

  it('gives every waiting charge the refusal of a shared read', async () => {
    const store = slowStore();
    const checks = createReferenceChecks(store);
    const outcomes = await Promise.allSettled(
      Array.from({ length: 5 }, (_, index) => checks.check(charge(index, 'd-unknown'))),
    );
    expect(outcomes.map((outcome) => outcome.status)).toEqual(Array(5).fill('rejected'));
    expect(store.reads.get('device-d-unknown')).toBe(1);
  });
});
