import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { LedgerConfig } from '../../runtime/config.ts';
import { type LedgerRuntime, openLedgerRuntime } from '../../runtime/ledger-runtime.ts';
import type { Logger } from '../../runtime/logger.ts';
import {
  migrateReadSide,
  mqttProtocolVersionFor,
  type RunningService,
  type ServiceName,
  serviceNames,
  startServices,
  stopServices,
} from '../../runtime/services.ts';
import { type PrivateMosquitto, startPrivateMosquitto } from '../terminals/index.ts';
import { freeLoopbackPort } from './free-port.ts';
import { type PrivateKafka, startPrivateKafka } from './private-kafka.ts';

// A whole ledger of a simulation's own, on the configured services but apart from everything else:
// its own Postgres schema (or a temp PGlite), Kafka topic and consumer group, and MQTT topic prefix.
// Fault scenarios ask for a private MQTT and Kafka broker they may stop and restart.

export type SimStackOptions = {
  base: LedgerConfig;
  logger: Logger;
  runId?: string;
  privateMqtt?: boolean;
  privateKafka?: boolean;
  keep?: boolean;
};

export type SimStack = {
  runId: string;
  runtime: LedgerRuntime;
  mqttUrl: string;
  mqttProtocolVersion: 4 | 5;
  /** Where this run's data lives, for the report. */
  describe: { eventStore: string; readModels: string; bus: string; mqtt: string };
  restart: (name: ServiceName) => Promise<void>;
  mqttBroker: PrivateMosquitto | undefined;
  kafkaBroker: PrivateKafka | undefined;
  close: () => Promise<void>;
};

export const startSimStack = async (options: SimStackOptions): Promise<SimStack> => {
  const runId = options.runId ?? randomBytes(4).toString('hex');
  const cleanups: Array<() => Promise<void>> = [];
  const mqttBroker = options.privateMqtt ? await startPrivateMosquitto({ noDelay: true }) : undefined;
  if (mqttBroker) cleanups.push(mqttBroker.stop);
  const kafkaBroker = options.privateKafka ? await startPrivateKafka() : undefined;
  if (kafkaBroker) cleanups.push(kafkaBroker.stop);

  const base = options.base;
  const dataDir = base.databaseUrl
    ? base.dataDir
    : await mkdtemp(path.join(tmpdir(), `campus-ledger-sim-${runId}-`));
  if (!base.databaseUrl && !options.keep) cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  const kafkaBrokers = kafkaBroker?.brokers ?? base.kafkaBrokers;
  const config: LedgerConfig = {
    ...base,
    dataDir,
    databaseSchema: base.databaseUrl ? `sim_${runId}` : undefined,
    kafkaBrokers,
    topic: `ledger.events.sim-${runId}`,
    projectionGroup: `campus-ledger-sim-${runId}`,
    mqttUrl: mqttBroker?.url ?? base.mqttUrl,
    mqttTopicPrefix: `sim-${runId}/campus/v1`,
    embeddedMqttPort: await freeLoopbackPort(),
    commandApiPort: 0,
    queryApiPort: 0,
  };
  const runtime = await openLedgerRuntime(config, options.logger);
  await migrateReadSide(runtime);
  // The simulation drives terminals and the handler directly: no HTTP services are needed.
  const wanted = serviceNames.filter((name) => name !== 'command-api' && name !== 'query-api');
  const running: RunningService[] = await startServices(runtime, wanted);
  const mqttUrl = config.mqttUrl ?? `mqtt://127.0.0.1:${config.embeddedMqttPort}`;

  return {
    runId,
    runtime,
    mqttUrl,
    mqttProtocolVersion: mqttProtocolVersionFor(config),
    describe: {
      eventStore: config.databaseSchema
        ? `${config.eventStore} schema ${config.databaseSchema}`
        : `${config.eventStore} ${dataDir}`,
      readModels: config.databaseSchema ? `postgres schema ${config.databaseSchema}` : `pglite ${dataDir}`,
      bus: kafkaBrokers ? `kafka ${kafkaBrokers.join(',')} topic ${config.topic}` : 'in-process',
      mqtt: config.mqttUrl ? `${mqttUrl} prefix ${config.mqttTopicPrefix}` : `embedded aedes ${mqttUrl}`,
    },
    restart: async (name) => {
      const index = running.findIndex((service) => service.name === name);
      if (index < 0) throw new Error(`service ${name} is not running in this stack`);
      await running[index]?.stop();
      const [restarted] = await startServices(runtime, [name]);
      if (restarted) running[index] = restarted;
    },
    mqttBroker,
    kafkaBroker,
    close: async () => {
      await stopServices(running);
      if (config.databaseSchema && !options.keep) {
        await runtime.db.raw('DROP SCHEMA IF EXISTS ?? CASCADE', [config.databaseSchema]);
      }
      await runtime.close();
      for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    },
  };
};
