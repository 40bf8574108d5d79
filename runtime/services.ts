import type { FastifyInstance } from 'fastify';
import { buildCommandApi } from '../command-api/index.ts';
import { migrateDeviceStatus, startDeviceGateway, startEmbeddedBroker } from '../device-gateway/index.ts';
import {
  createKafka,
  migrateReadModels,
  startInProcessProjector,
  startKafkaProjector,
  startRelay,
} from '../projections/index.ts';
import { buildQueryApi } from '../query-api/index.ts';
import type { LedgerRuntime } from './ledger-runtime.ts';
import { startMetricsListener } from './metrics-listener.ts';
import { registerOperatorMetrics, relayNameFor } from './operator-metrics.ts';

export const serviceNames = ['command-api', 'query-api', 'device-gateway', 'relay', 'projections'] as const;
export type ServiceName = (typeof serviceNames)[number];

export type RunningService = { name: string; detail: string; stop: () => Promise<void> };

/** MQTT 5 on a real broker (shared subscriptions, user properties); 3.1.1 on the embedded aedes. */
export const mqttProtocolVersionFor = (config: LedgerRuntime['config']): 4 | 5 => (config.mqttUrl ? 5 : 4);

export const migrateReadSide = async (runtime: Pick<LedgerRuntime, 'db' | 'config'>): Promise<void> => {
  const schema = runtime.config.databaseSchema;
  if (schema && runtime.config.databaseUrl) await runtime.db.raw('CREATE SCHEMA IF NOT EXISTS ??', [schema]);
  await migrateReadModels(runtime.db);
  await migrateDeviceStatus(runtime.db);
};

const listen = async (
  name: string,
  app: FastifyInstance,
  host: string,
  port: number,
): Promise<RunningService> => {
  const address = await app.listen({ host, port });
  return { name, detail: address, stop: () => app.close() };
};

/**
 * Starts the named services on the runtime's adapters. Without KAFKA_BROKERS the projections follow
 * the event store in-process and no relay runs; without MQTT_URL the gateway gets an embedded broker.
 */
export const startServices = async (
  runtime: LedgerRuntime,
  names: readonly ServiceName[],
): Promise<RunningService[]> => {
  const { config, logger, store, db, handler, registry } = runtime;
  const auth = { jwtSecret: config.jwtSecret };
  const running: RunningService[] = [];
  const wanted = new Set(names);
  const kafka = config.kafkaBrokers
    ? createKafka({ brokers: config.kafkaBrokers, clientId: 'campus-ledger', logger })
    : undefined;
  registerOperatorMetrics(registry, { db, store, relayNames: kafka ? [relayNameFor(config.topic)] : [] });
  try {
    if (wanted.has('projections')) {
      if (kafka) {
        const projector = startKafkaProjector({
          kafka,
          db,
          topic: config.topic,
          groupId: config.projectionGroup,
          timeZone: config.timeZone,
          logger,
          registry,
        });
        running.push({ name: 'projections', detail: `Kafka topic ${config.topic}`, stop: projector.stop });
      } else {
        const projector = startInProcessProjector({ store, db, timeZone: config.timeZone, logger, registry });
        running.push({
          name: 'projections',
          detail: 'in-process, following the event store',
          stop: projector.stop,
        });
      }
    }
    if (wanted.has('relay') && kafka) {
      const relay = startRelay({
        store,
        db,
        kafka,
        topic: config.topic,
        relayName: relayNameFor(config.topic),
        logger,
        registry,
      });
      running.push({
        name: 'relay',
        detail: `event store → Kafka ${config.kafkaBrokers?.join(',')}`,
        stop: relay.stop,
      });
    }
    if (wanted.has('command-api')) {
      const app = await buildCommandApi({
        handler,
        store,
        auth,
        deviceMasterKey: config.deviceMasterKey,
        timeZone: config.timeZone,
        logger,
        registry,
      });
      running.push(await listen('command-api', app, config.host, config.commandApiPort));
    }
    if (wanted.has('query-api')) {
      const app = await buildQueryApi({
        db,
        store,
        auth,
        timeZone: config.timeZone,
        logger,
        registry,
      });
      running.push(await listen('query-api', app, config.host, config.queryApiPort));
    }
    if (wanted.has('device-gateway')) {
      let mqttUrl = config.mqttUrl;
      if (!mqttUrl) {
        const broker = await startEmbeddedBroker({ port: config.embeddedMqttPort, host: config.host });
        mqttUrl = broker.url;
        running.push({ name: 'mqtt-broker', detail: `embedded aedes at ${broker.url}`, stop: broker.stop });
      }
      const gateway = await startDeviceGateway({
        mqttUrl,
        handler,
        store,
        db,
        deviceMasterKey: config.deviceMasterKey,
        timeZone: config.timeZone,
        logger: logger.child({ service: 'device-gateway' }),
        registry,
        topicPrefix: config.mqttTopicPrefix,
        mqttProtocolVersion: mqttProtocolVersionFor(config),
      });
      running.push({ name: 'device-gateway', detail: `MQTT ${mqttUrl}`, stop: gateway.stop });
    }
    if (config.metricsPort !== undefined) {
      const listener = await startMetricsListener({
        service: names.join(','),
        host: config.host,
        port: config.metricsPort,
        registry,
        store,
        db,
        logger,
      });
      running.push({ name: 'metrics', detail: listener.address, stop: listener.stop });
    }
  } catch (error) {
    await stopServices(running);
    throw error;
  }
  return running;
};

/** Stops in reverse start order: entry points first, so nothing new arrives while workers drain. */
export const stopServices = async (running: RunningService[]): Promise<void> => {
  for (const service of [...running].reverse()) await service.stop();
};
