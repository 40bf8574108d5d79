import type { AllStreamResolvedEvent } from '@eventstore/db-client';
import type { RecordedEvent, SubscribeOptions, Subscription } from '../../ledger-core/index.ts';
import { defaultSubscriptionBatchSize } from '../polling-subscription.ts';
import type { EsdbClient } from './esdb-client.ts';
import { isLedgerEvent, ledgerStreamsFilter, toEsdbReadPosition } from './positions.ts';
import { toRecordedEvent } from './recorded-event.ts';

/**
 * Catch-up then live with the server's own $all subscription, filtered server-side to ledger streams.
 * The subscription is read in paused mode: whatever has arrived (up to maxBatchSize) becomes one batch,
 * and nothing more is read while a batch is being handled, so a slow handler applies back-pressure.
 */
export const esdbSubscription = (client: EsdbClient, options: SubscribeOptions): Subscription => {
  const maxBatchSize = options.maxBatchSize ?? defaultSubscriptionBatchSize;
  const source = client.subscribeToAll({
    fromPosition: toEsdbReadPosition(options.fromPosition),
    filter: ledgerStreamsFilter(),
  });
  let stopping = false;
  let ended = false;
  let failure: Error | undefined;
  let wake: () => void = () => undefined;
  const signal = () => {
    const waiting = wake;
    wake = () => undefined;
    waiting();
  };
  source.on('readable', signal);
  source.on('end', () => {
    ended = true;
    signal();
  });
  source.on('error', (error: Error) => {
    failure = error;
    signal();
  });

  const nextBatch = (after: bigint): RecordedEvent[] => {
    const batch: RecordedEvent[] = [];
    let last = after;
    while (batch.length < maxBatchSize) {
      const resolved = source.read() as AllStreamResolvedEvent | null;
      if (resolved === null) break;
      const event = resolved.event;
      if (!event || !isLedgerEvent(event.streamId, event.type)) continue;
      const recorded = toRecordedEvent(event);
      // A subscription may start at its own position, inclusive: the port's fromPosition is exclusive.
      if (recorded.position <= last) continue;
      batch.push(recorded);
      last = recorded.position;
    }
    return batch;
  };

  const run = async () => {
    let last = options.fromPosition;
    try {
      while (!stopping) {
        if (failure) throw failure;
        const batch = nextBatch(last);
        if (batch.length > 0) {
          await options.onBatch(batch);
          last = (batch[batch.length - 1] as RecordedEvent).position;
          continue;
        }
        if (ended) throw new Error('the EventStoreDB $all subscription ended by itself');
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    } finally {
      if (!stopping) await source.unsubscribe().catch(() => undefined);
    }
  };
  const done = run();
  return {
    done,
    stop: async () => {
      stopping = true;
      signal();
      await source.unsubscribe().catch(() => undefined);
      await done.catch(() => undefined);
    },
  };
};
