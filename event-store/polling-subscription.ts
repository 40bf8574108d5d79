import type { Position, RecordedEvent, SubscribeOptions, Subscription } from '../ledger-core/index.ts';

export const defaultSubscriptionBatchSize = 1_000;
/** How long an idle subscription sleeps before looking again, unless an append in this process wakes it. */
export const idlePollIntervalMs = 25;

export type AppendSignal = {
  /** Resolves at the next local append, or after `timeoutMs`. */
  wait: (timeoutMs: number) => Promise<void>;
};

export const createAppendSignal = (): AppendSignal & { notify: () => void } => {
  let waiters: Array<() => void> = [];
  return {
    notify: () => {
      const current = waiters;
      waiters = [];
      for (const wake of current) wake();
    },
    wait: (timeoutMs) =>
      new Promise((resolve) => {
        const timer = setTimeout(() => {
          waiters = waiters.filter((waiter) => waiter !== wake);
          resolve();
        }, timeoutMs);
        const wake = () => {
          clearTimeout(timer);
          resolve();
        };
        waiters.push(wake);
      }),
  };
};

/**
 * Catch-up then live, by reading the global log in batches. Correct for any store whose readAll never
 * returns an event while a smaller position can still appear (the SQL stores serialise appends).
 */
export const pollingSubscription = (
  readAll: (options: { fromPosition: Position; maxCount: number }) => Promise<RecordedEvent[]>,
  signal: AppendSignal,
  options: SubscribeOptions,
): Subscription => {
  let stopping = false;
  let wakeStop: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => {
    wakeStop = resolve;
  });
  const maxCount = options.maxBatchSize ?? defaultSubscriptionBatchSize;
  const run = async () => {
    let from = options.fromPosition;
    while (!stopping) {
      const batch = await readAll({ fromPosition: from, maxCount });
      if (stopping) break;
      if (batch.length > 0) {
        await options.onBatch(batch);
        from = (batch[batch.length - 1] as RecordedEvent).position;
      } else {
        await Promise.race([signal.wait(idlePollIntervalMs), stopped]);
      }
    }
  };
  const done = run();
  return {
    done,
    stop: async () => {
      stopping = true;
      wakeStop();
      await done.catch(() => undefined);
    },
  };
};
