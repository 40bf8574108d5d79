import type { LedgerEvent } from '../../ledger-core/index.ts';
import type { ProjectableEvent } from '../envelope.ts';

/** Builds projectable events with consecutive positions and per-stream revisions, for pure tests. */
export const eventLog = (startAt = '2025-03-01T02:00:00.000Z') => {
  let position = 0n;
  const revisions = new Map<string, number>();
  let clock = Date.parse(startAt);
  return {
    next: (streamId: string, event: LedgerEvent, occurredAt?: string): ProjectableEvent => {
      position += 1n;
      const revision = (revisions.get(streamId) ?? -1) + 1;
      revisions.set(streamId, revision);
      clock += 60_000;
      const recordedAt = new Date(clock).toISOString();
      return {
        position,
        eventId: `event-${position}`,
        streamId,
        revision,
        occurredAt: occurredAt ?? recordedAt,
        recordedAt,
        event,
      };
    },
  };
};

/** The opening of account a1, the account most pure tests follow. */
export const accountA1Opened = {
  type: 'AccountOpened',
  data: {
    accountId: 'a1',
    holderName: 'Li Hua',
    holderType: 'student',
    cardNo: '6222000011112222',
    limits: { perTransaction: '500.00', daily: '1000.00' },
    offlineLimit: '50.00',
  },
} as const satisfies LedgerEvent;
