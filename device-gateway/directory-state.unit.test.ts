import { describe, expect, it } from 'vitest';
import type { RecordedEvent } from '../ledger-core/index.ts';
import { createDirectoryState } from './directory-state.ts';

let position = 0n;
const recorded = (streamId: string, type: string, data: unknown): RecordedEvent => {
  position += 1n;
  return {
    eventId: `e${position}`,
    streamId,
    revision: 0,
    position,
    type,
    data,
    metadata: {
      schemaVersion: 1,
      correlationId: 'c',
      causationId: 'c',
      actor: { type: 'admin', id: 'a' },
      occurredAt: '2026-03-01T00:00:00Z',
      recordedAt: '2026-03-01T00:00:00Z',
      prevHash: '0'.repeat(64),
      hash: '0'.repeat(64),
    },
  };
};
const opened = (accountId: string, cardNo: string) =>
  recorded(`account-${accountId}`, 'AccountOpened', {
    accountId,
    holderName: accountId,
    holderType: 'student',
    cardNo,
    limits: { perTransaction: '500.00', daily: '1000.00' },
    offlineLimit: '50.00',
  });

describe('directory state', () => {
  it('knows devices, cards and the refused cards, versioned by the position that changed them', () => {
    const state = createDirectoryState();
    const first = state.apply([
      recorded('device-pos-1', 'DeviceRegistered', {
        deviceId: 'pos-1',
        merchantId: 'm',
        kind: 'pos',
        keyId: 'k1',
      }),
      opened('a', '62000001'),
      opened('b', '62000002'),
      opened('c', '62000003'),
      recorded('account-a', 'Charged', { txId: 't', amount: '1.00', merchantId: 'm', offline: false }),
    ]);
    expect(first).toMatchObject({ lostCardsChanged: false, devices: [{ deviceId: 'pos-1', active: true }] });
    expect(state.card('62000001')).toEqual({ cardNo: '62000001', accountId: 'a', status: 'current' });
    expect(state.lostCards(10)).toEqual({ version: 0n, cards: [] });

    const lostAt = position + 1n;
    const second = state.apply([
      recorded('account-a', 'CardReportedLost', { cardNo: '62000001' }),
      recorded('account-b', 'CardReplaced', { oldCardNo: '62000002', newCardNo: '62000022' }),
      recorded('account-c', 'AccountClosed', { txId: 'x', payoutAmount: '0.00', payoutChannel: 'cash' }),
      recorded('device-pos-1', 'DeviceDecommissioned', {}),
    ]);
    expect(second.lostCardsChanged).toBe(true);
    expect(second.devices).toMatchObject([{ deviceId: 'pos-1', active: false, version: position }]);
    expect(state.card('62000002')?.status).toBe('replaced');
    expect(state.card('62000022')).toEqual({ cardNo: '62000022', accountId: 'b', status: 'current' });
    expect(state.lostCards(10)).toEqual({
      version: lostAt + 2n,
      cards: ['62000001', '62000002', '62000003'],
    });
    // Over the limit, the most recently refused cards are kept.
    expect(state.lostCards(2).cards).toEqual(['62000002', '62000003']);
    expect(state.position()).toBe(position);
  });
});
