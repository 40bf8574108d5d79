import type { Registry } from 'prom-client';

const durationMetric = 'device_gateway_request_duration_seconds';
/** Bucket bounds of that histogram (seconds) worth reporting against the 50 ms target. */
const reportedBounds = [0.01, 0.025, 0.05, 0.1] as const;

/**
 * The shares of requests the gateway itself answered (receipt to response handed to its MQTT client)
 * within 10, 25, 50 and 100 ms, counted since the previous call. Beside the terminals' own latency it
 * tells whether a tail comes from the gateway or from the broker, the terminals and the machine.
 */
export const gatewayLatencyShares = (registry: Registry) => {
  let previous = new Map<string, number>();
  return async (): Promise<Record<string, number>> => {
    const metric = await registry.getSingleMetric(durationMetric)?.get();
    // Only the buckets carry an `le` label (the sum and count do not).
    const counts = new Map(
      (metric?.values ?? [])
        .filter((value) => value.labels.le !== undefined)
        .map((value) => [String(value.labels.le), value.value]),
    );
    const since = (bound: string) => (counts.get(bound) ?? 0) - (previous.get(bound) ?? 0);
    const total = Math.max(1, since('+Inf'));
    const shares = Object.fromEntries(
      reportedBounds.map((bound) => [
        `${bound * 1_000}ms`,
        Math.round((since(String(bound)) / total) * 10_000) / 10_000,
      ]),
    );
    previous = counts;
    return shares;
  };
};
