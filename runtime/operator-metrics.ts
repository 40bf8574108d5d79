import type { Knex } from 'knex';
import { Gauge, type Registry } from 'prom-client';
import { deviceStatusTable } from '../device-gateway/index.ts';
import type { EventStore, Position } from '../ledger-core/index.ts';
import { lagOf, readRelayCheckpoint, registerProjectionLagMetrics } from '../projections/index.ts';

// Gauges computed at scrape time from shared state — the event store's head, the checkpoints and
// device_status in the read-model database — so every process that serves /metrics reports the same
// truth, wherever the relay, the projector and the gateways happen to run.

type LagStore = Pick<EventStore, 'kind' | 'readAll' | 'headPosition'>;
type Lag = Awaited<ReturnType<typeof lagOf>>;

/** The relay is behind by what the log holds after its checkpoint, as a projection is after its own. */
const lagBehind = async (store: LagStore, position: Position, now: Date): Promise<Lag> =>
  lagOf(store, position, await store.headPosition(), now);

/** The relay's checkpoint name for a topic (the relay's own default, named once for both). */
export const relayNameFor = (topic: string): string => `kafka:${topic}`;

const countDevicesOnline = async (db: Knex): Promise<number> => {
  const { rows } = await db.raw<{ rows: Array<{ online: string }> }>(
    `SELECT count(*)::text AS online FROM ${deviceStatusTable} WHERE presence = 'online'`,
  );
  return Number(rows[0]?.online ?? 0);
};

/**
 * Projection lag, relay lag (for each relay named) and devices online, on the registry. Registering
 * twice on one registry is harmless: the second call finds the gauges there.
 */
export const registerOperatorMetrics = (
  registry: Registry,
  options: { db: Knex; store: LagStore; relayNames: readonly string[]; clock?: () => Date },
): void => {
  const { db, store } = options;
  const clock = options.clock ?? (() => new Date());
  registerProjectionLagMetrics(registry, db, store);
  if (registry.getSingleMetric('ledger_devices_online')) return;

  let latest: Promise<Array<{ relay: string } & Lag>> | undefined;
  // One read serves both relay gauges of a scrape.
  const relayLags = () => {
    latest ??= Promise.all(
      options.relayNames.map(async (relay) => ({
        relay,
        ...(await lagBehind(store, await readRelayCheckpoint(db, relay), clock())),
      })),
    ).finally(() => {
      latest = undefined;
    });
    return latest;
  };
  new Gauge({
    name: 'ledger_relay_lag_events',
    help: 'Events in the log the relay has not yet had acknowledged by Kafka',
    labelNames: ['relay'],
    registers: [registry],
    async collect() {
      for (const entry of await relayLags()) this.set({ relay: entry.relay }, entry.lagEvents);
    },
  });
  new Gauge({
    name: 'ledger_relay_lag_seconds',
    help: 'How long the oldest event not yet relayed to Kafka has been waiting',
    labelNames: ['relay'],
    registers: [registry],
    async collect() {
      for (const entry of await relayLags()) this.set({ relay: entry.relay }, entry.lagSeconds);
    },
  });
  new Gauge({
    name: 'ledger_devices_online',
    help: 'Devices whose last presence message (or Last Will) says online',
    registers: [registry],
    async collect() {
      this.set(await countDevicesOnline(db));
    },
  });
};
