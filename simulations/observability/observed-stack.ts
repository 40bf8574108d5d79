import mqtt from 'mqtt';
import { createKafka, deadLetterTopicOf } from '../../projections/index.ts';
import { type LedgerConfig, loadConfig } from '../../runtime/config.ts';
import { type LedgerRuntime, openLedgerRuntime } from '../../runtime/ledger-runtime.ts';
import { createLogger, type Logger } from '../../runtime/logger.ts';
import {
  migrateReadSide,
  type RunningService,
  type ServiceName,
  startServices,
  stopServices,
} from '../../runtime/services.ts';
import { serviceUrls, uniqueName } from '../../testing/services.ts';

// The services as `ledger start` runs them, on the machine's Postgres, Kafka and Mosquitto but apart
// from everything else (own schema, topic, consumer group and MQTT prefix), with a metrics listener on
// an ephemeral port; services can be started late and stopped early. Closing removes every trace of
// the run: schema, topics, group and the retained MQTT messages under its prefix.

/** How long closing listens for retained messages under the run's prefix before clearing them. */
const retainedCollectMs = 500;

export type ObservedStack = {
  config: LedgerConfig;
  runtime: LedgerRuntime;
  start: (names: readonly ServiceName[]) => Promise<void>;
  /** `http://host:port` of command-api, query-api or metrics. */
  urlOf: (name: 'command-api' | 'query-api' | 'metrics') => string;
  close: () => Promise<void>;
};

const clearRetained = async (mqttUrl: string, prefix: string): Promise<void> => {
  const client = await mqtt.connectAsync(mqttUrl, { protocolVersion: 5, clean: true });
  const retained = new Set<string>();
  client.on('message', (topic, payload, packet) => {
    if (packet.retain && payload.length > 0) retained.add(topic);
  });
  await client.subscribeAsync(`${prefix}/#`, { qos: 1 });
  await new Promise((resolve) => setTimeout(resolve, retainedCollectMs));
  await Promise.all([...retained].map((topic) => client.publishAsync(topic, '', { qos: 1, retain: true })));
  await client.endAsync();
};

export const startObservedStack = async (options: {
  logger: Logger;
  services: readonly ServiceName[];
}): Promise<ObservedStack> => {
  const runId = uniqueName('obs');
  const config = loadConfig({
    DATABASE_URL: serviceUrls.postgres,
    KAFKA_BROKERS: serviceUrls.kafka,
    MQTT_URL: serviceUrls.mqtt,
    DATABASE_SCHEMA: runId,
    LEDGER_TOPIC: `ledger.events.${runId}`,
    PROJECTION_GROUP: `campus-ledger-${runId}`,
    MQTT_TOPIC_PREFIX: `${runId}/campus/v1`,
    COMMAND_API_PORT: '0',
    QUERY_API_PORT: '0',
    METRICS_PORT: '0',
  });
  const runtime = await openLedgerRuntime(config, options.logger);
  await migrateReadSide(runtime);
  const running: RunningService[] = [];
  const start = async (names: readonly ServiceName[]) => {
    running.push(...(await startServices(runtime, names)));
  };
  try {
    await start(options.services);
  } catch (error) {
    await runtime.close();
    throw error;
  }
  return {
    config,
    runtime,
    start,
    urlOf: (name) => {
      // Every startServices call brings its own metrics listener: the first one serves.
      const service = running.find((entry) => entry.name === name);
      if (!service) throw new Error(`${name} is not running`);
      return service.detail;
    },
    close: async () => {
      await stopServices(running);
      await runtime.db.raw('DROP SCHEMA IF EXISTS ?? CASCADE', [runId]);
      await runtime.close();
      const admin = createKafka({
        brokers: [serviceUrls.kafka],
        logger: createLogger({ level: 'silent' }),
      }).admin();
      await admin.connect();
      await admin
        .deleteTopics({ topics: [config.topic, deadLetterTopicOf(config.topic)] })
        .catch(() => undefined);
      await admin.deleteGroups([config.projectionGroup]).catch(() => undefined);
      await admin.disconnect();
      await clearRetained(serviceUrls.mqtt, config.mqttTopicPrefix);
    },
  };
};
