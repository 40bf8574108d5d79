import type { Logger } from 'pino';
import type { EventStore, Position, Subscription } from '../ledger-core/index.ts';
import {
  createDirectoryState,
  type DirectoryCard,
  type DirectoryChanges,
  type DirectoryDevice,
  type LostCardList,
} from './directory-state.ts';

// The directory follows the global log with a catch-up subscription. A device or card it does not know
// may simply be newer than what it has read, so before answering "unknown" it asks the store for its
// head and waits (bounded) until it has read that far.

/** How long a lookup of an unknown device or card waits for the directory to reach the store's head. */
export const defaultLagWaitMs = 2_000;
/** After the subscription fails (the store is unreachable), wait this long before following it again. */
const resubscribeDelayMs = 1_000;
/**
 * After each batch the directory rests this long unless a lookup is waiting for it: while the ledger is
 * busy it then reads the log in fewer, larger batches instead of once per append.
 */
const followPauseMs = 100;

export type DirectoryOptions = {
  store: Pick<EventStore, 'subscribeToAll' | 'headPosition'>;
  logger: Logger;
  lagWaitMs?: number;
  onChanges?: (changes: DirectoryChanges) => void;
};

export type Directory = {
  /** Resolves once the directory has read the log up to the head the store had when it was called. */
  start: () => Promise<void>;
  findDevice: (deviceId: string) => Promise<DirectoryDevice | undefined>;
  findCard: (cardNo: string) => Promise<DirectoryCard | undefined>;
  devices: () => DirectoryDevice[];
  lostCards: (maxCards: number) => LostCardList;
  position: () => Position;
  stop: () => Promise<void>;
};

type Waiter = { target: Position; resolve: () => void };

export const createDirectory = (options: DirectoryOptions): Directory => {
  const state = createDirectoryState();
  const lagWaitMs = options.lagWaitMs ?? defaultLagWaitMs;
  let waiters: Waiter[] = [];
  let subscription: Subscription | undefined;
  let stopped = false;
  let headCheck: Promise<Position> | undefined;
  let wakeFollower: (() => void) | undefined;

  const rest = () =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, followPauseMs);
      function done() {
        clearTimeout(timer);
        wakeFollower = undefined;
        resolve();
      }
      wakeFollower = done;
    });

  const wakeWaiters = () => {
    const position = state.position();
    const ready = waiters.filter((waiter) => waiter.target <= position);
    waiters = waiters.filter((waiter) => waiter.target > position);
    for (const waiter of ready) waiter.resolve();
  };

  const reached = (target: Position, timeoutMs: number): Promise<void> => {
    if (state.position() >= target) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter: Waiter = { target, resolve };
      waiters.push(waiter);
      wakeFollower?.();
      if (Number.isFinite(timeoutMs)) {
        setTimeout(() => {
          waiters = waiters.filter((other) => other !== waiter);
          resolve();
        }, timeoutMs).unref();
      }
    });
  };

  const follow = () => {
    if (stopped) return;
    const current = options.store.subscribeToAll({
      fromPosition: state.position(),
      onBatch: async (batch) => {
        const changes = state.apply(batch);
        wakeWaiters();
        if (changes.devices.length > 0 || changes.lostCardsChanged) options.onChanges?.(changes);
        if (waiters.length === 0 && !stopped) await rest();
      },
    });
    subscription = current;
    current.done.then(
      () => undefined,
      (error: unknown) => {
        if (stopped) return;
        options.logger.error(
          { err: error },
          'device directory lost the event store; following again shortly',
        );
        setTimeout(follow, resubscribeDelayMs).unref();
      },
    );
  };

  /** Shared by concurrent lookups, so a burst of unknown cards costs one head query, not one each. */
  const catchUpToHead = async () => {
    headCheck ??= options.store.headPosition().finally(() => {
      headCheck = undefined;
    });
    await reached(await headCheck, lagWaitMs);
  };

  const lookUp = async <Found>(find: () => Found | undefined): Promise<Found | undefined> => {
    const found = find();
    if (found !== undefined) return found;
    await catchUpToHead();
    return find();
  };

  return {
    start: async () => {
      const head = await options.store.headPosition();
      follow();
      await reached(head, Number.POSITIVE_INFINITY);
    },
    findDevice: (deviceId) => lookUp(() => state.device(deviceId)),
    findCard: (cardNo) => lookUp(() => state.card(cardNo)),
    devices: () => state.devices(),
    lostCards: (maxCards) => state.lostCards(maxCards),
    position: () => state.position(),
    stop: async () => {
      stopped = true;
      wakeFollower?.();
      await subscription?.stop();
      for (const waiter of waiters) waiter.resolve();
      waiters = [];
    },
  };
};
