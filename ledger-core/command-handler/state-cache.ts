import { LRUCache } from 'lru-cache';
import type { Position } from '../event-store/port.ts';
import type { AggregateState } from './aggregates.ts';

/**
 * A stream's folded state as of `state.revision`, and the global position of its last event. `stale`:
 * the store may hold later events (a conflict or a refusal was seen); read them before the next decision.
 */
export type CachedStream = { state: AggregateState; lastPosition: Position; stale?: boolean };

export const defaultStateCacheMaxStreams = 50_000;

export type StateCache = {
  get: (streamId: string) => CachedStream | undefined;
  set: (streamId: string, entry: CachedStream) => void;
  delete: (streamId: string) => void;
};

export const createStateCache = (maxStreams = defaultStateCacheMaxStreams): StateCache => {
  const cache = new LRUCache<string, CachedStream>({ max: maxStreams });
  return {
    get: (streamId) => cache.get(streamId),
    set: (streamId, entry) => {
      cache.set(streamId, entry);
    },
    delete: (streamId) => {
      cache.delete(streamId);
    },
  };
};
