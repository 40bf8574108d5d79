import type { Knex } from 'knex';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { EventStore } from '../ledger-core/index.ts';
import { projectionStatus } from './status.ts';

// Prometheus metrics of the relay and the projectors. Every component of one process shares a
// registry, so each metric is created once per registry and reused.

export type ProjectionMetrics = {
  eventsApplied: (feeder: string, count: number) => void;
  deadLetter: (source: 'relay' | 'projector', reason: string) => void;
  projectionPosition: (projection: string, position: bigint) => void;
  relayPosition: (relay: string, position: bigint) => void;
};

const noMetrics: ProjectionMetrics = {
  eventsApplied: () => undefined,
  deadLetter: () => undefined,
  projectionPosition: () => undefined,
  relayPosition: () => undefined,
};

const single = <Metric>(registry: Registry, name: string, create: () => Metric): Metric =>
  (registry.getSingleMetric(name) as Metric | undefined) ?? create();

/** The reason's class (invalid_json, invalid_envelope, invalid_event, rejected): a bounded label. */
const reasonClass = (reason: string): string => /^[a-z_]+/.exec(reason)?.[0] ?? 'unknown';

export const createProjectionMetrics = (registry: Registry | undefined): ProjectionMetrics => {
  if (!registry) return noMetrics;
  const applied = single(
    registry,
    'ledger_projection_events_applied_total',
    () =>
      new Counter({
        name: 'ledger_projection_events_applied_total',
        help: 'Events applied to the read models, by feeder (kafka, in-process)',
        labelNames: ['feeder'],
        registers: [registry],
      }),
  );
  const deadLetters = single(
    registry,
    'ledger_projection_dead_letters_total',
    () =>
      new Counter({
        name: 'ledger_projection_dead_letters_total',
        help: 'Events dead-lettered or skipped because they failed validation or contradicted the read models',
        labelNames: ['source', 'reason'],
        registers: [registry],
      }),
  );
  const projectionPosition = single(
    registry,
    'ledger_projection_position',
    () =>
      new Gauge({
        name: 'ledger_projection_position',
        help: 'Global position of the last event applied to the read models',
        labelNames: ['projection'],
        registers: [registry],
      }),
  );
  const relayPosition = single(
    registry,
    'ledger_relay_position',
    () =>
      new Gauge({
        name: 'ledger_relay_position',
        help: 'Global position of the last event Kafka acknowledged from the relay',
        labelNames: ['relay'],
        registers: [registry],
      }),
  );
  return {
    eventsApplied: (feeder, count) => applied.inc({ feeder }, count),
    deadLetter: (source, reason) => deadLetters.inc({ source, reason: reasonClass(reason) }),
    projectionPosition: (projection, position) => projectionPosition.set({ projection }, Number(position)),
    relayPosition: (relay, position) => relayPosition.set({ relay }, Number(position)),
  };
};

/**
 * Lag gauges computed at scrape time from the checkpoints and the store's head, so they are right
 * whichever process applies the read models.
 */
export const registerProjectionLagMetrics = (
  registry: Registry,
  db: Knex,
  store: Pick<EventStore, 'kind' | 'readAll' | 'headPosition'>,
): void => {
  if (registry.getSingleMetric('ledger_projection_lag_events')) return;
  let latest: Promise<Awaited<ReturnType<typeof projectionStatus>>> | undefined;
  // One status read serves both gauges of a scrape.
  const status = () => {
    latest ??= projectionStatus(db, store).finally(() => {
      latest = undefined;
    });
    return latest;
  };
  new Gauge({
    name: 'ledger_projection_lag_events',
    help: 'Events in the log not yet applied to the read models',
    labelNames: ['projection'],
    registers: [registry],
    async collect() {
      for (const entry of await status()) this.set({ projection: entry.projection }, entry.lagEvents);
    },
  });
  new Gauge({
    name: 'ledger_projection_lag_seconds',
    help: 'How long the oldest unapplied event has been waiting',
    labelNames: ['projection'],
    registers: [registry],
    async collect() {
      for (const entry of await status()) this.set({ projection: entry.projection }, entry.lagSeconds);
    },
  });
};
