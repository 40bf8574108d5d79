/**
 * Calls for one key that overlap share one promise: the first starts the work, later ones get its
 * promise until it settles, then the key is free again. For lookups a burst would otherwise repeat.
 */
export const sharedCall = <T>(
  inFlight: Map<string, Promise<T>>,
  key: string,
  start: () => Promise<T>,
): Promise<T> => {
  const pending = inFlight.get(key);
  if (pending) return pending;
  const call = start().finally(() => inFlight.delete(key));
  inFlight.set(key, call);
  return call;
};
