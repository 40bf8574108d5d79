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
