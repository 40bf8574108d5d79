import { createAccountDecider } from '../account/decider.ts';
import type { LedgerCommand } from '../commands.ts';
import type { Dated, Decider } from '../decider.ts';
import { deviceDecider } from '../device/decider.ts';
import type { RecordedEvent } from '../event-store/port.ts';
import { upcastEvent } from '../events.ts';
import { merchantDecider } from '../merchant/decider.ts';

/** The state every aggregate keeps: enough for the handler to know the stream's revision. */
export type AggregateState = { revision: number };

// biome-ignore lint/suspicious/noExplicitAny: a registry of deciders of different state and event types.
export type AnyDecider = Decider<AggregateState & any, LedgerCommand, Dated<any>>;

export type Aggregates = {
  /** The decider of a stream, by its category prefix (account-, merchant-, device-). */
  deciderOf: (streamId: string) => AnyDecider;
};

export const createAggregates = (timeZone: string, recentMovesKept?: number): Aggregates => {
  const deciders: Record<string, AnyDecider> = {
    account: createAccountDecider(timeZone, recentMovesKept) as AnyDecider,
    merchant: merchantDecider as AnyDecider,
    device: deviceDecider as AnyDecider,
  };
  return {
    deciderOf: (streamId) => {
      const category = streamId.slice(0, streamId.indexOf('-'));
      const decider = deciders[category];
      if (!decider) throw new Error(`no decider for stream ${streamId}`);
      return decider;
    },
  };
};

/** A stored event as a decider folds it: upcast to the current catalogue, with its occurredAt. */
export const toDatedEvent = (event: RecordedEvent): Dated<{ type: string; data: unknown }> => ({
  ...upcastEvent(event.type, event.data, event.metadata.schemaVersion),
  occurredAt: event.metadata.occurredAt,
});
