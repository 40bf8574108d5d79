import type { FastifyInstance } from 'fastify';
import { Counter, Histogram, type Registry } from 'prom-client';

// Prometheus metrics of an HTTP app. Both apps may share one registry (embedded mode), so a metric is
// created once per registry and told apart by its `service` label.

const latencyBucketsSeconds = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

const counterIn = <Label extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly Label[],
): Counter<Label> =>
  (registry.getSingleMetric(name) as Counter<Label> | undefined) ??
  new Counter({ name, help, labelNames, registers: [registry] });

const histogramIn = <Label extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly Label[],
): Histogram<Label> =>
  (registry.getSingleMetric(name) as Histogram<Label> | undefined) ??
  new Histogram({ name, help, labelNames, buckets: latencyBucketsSeconds, registers: [registry] });

export type HttpMetrics = {
  /** Counts a command's outcome: `accepted`, `replayed` or the rejection code. */
  countCommand: (command: string, outcome: string) => void;
};

export const installHttpMetrics = (
  app: FastifyInstance,
  registry: Registry,
  service: string,
): HttpMetrics => {
  const requests = counterIn(registry, 'http_requests_total', 'HTTP requests by route and status', [
    'service',
    'method',
    'route',
    'status',
  ]);
  const latency = histogramIn(
    registry,
    'http_request_duration_seconds',
    'HTTP request latency from arrival to response',
    ['service', 'method', 'route'],
  );
  const commands = counterIn(registry, 'ledger_command_outcomes_total', 'Command outcomes by code', [
    'service',
    'command',
    'outcome',
  ]);

  // Label-bound children, one per method, route and status: an observation then skips label checks.
  type Bound = { count: () => void; observe: (seconds: number) => void };
  const bound = new Map<string, Bound>();
  const boundFor = (method: string, route: string, status: number): Bound => {
    const key = `${method} ${route} ${status}`;
    let entry = bound.get(key);
    if (!entry) {
      const counter = requests.labels({ service, method, route, status: String(status) });
      const histogram = latency.labels({ service, method, route });
      entry = { count: () => counter.inc(), observe: (seconds) => histogram.observe(seconds) };
      bound.set(key, entry);
    }
    return entry;
  };

  app.addHook('onResponse', (request, reply, done) => {
    // Unknown routes share one label, so probing random paths cannot grow the metric without bound.
    const entry = boundFor(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode);
    entry.count();
    entry.observe(reply.elapsedTime / 1_000);
    done();
  });

  app.get(
    '/metrics',
    { schema: { summary: 'Prometheus metrics (text exposition format)' } },
    async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()),
  );

  return { countCommand: (command, outcome) => commands.inc({ service, command, outcome }) };
};
