import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { type CommandHandler, defaultOfflineLimit, type EventStore } from '../ledger-core/index.ts';
import { createDeviceStatusWriter, type DeviceStatusWriter } from './device-status.ts';
import { createDirectory } from './directory.ts';
import { createInflightGate } from './flow-control.ts';
import { connectGatewayClient } from './gateway-client.ts';
import { createMessageHandling, type MessageCounts } from './message-handling.ts';
import { createGatewayMetrics } from './metrics.ts';
import { createPushes, defaultMaxLostCardsPushed } from './pushes.ts';
import { createRequestProcessor } from './request-processor.ts';
import { defaultTopicPrefix, deviceTopicFilter, sharedFilter } from './topics.ts';

export const defaultMaxInflightCommands = 512;
/** How long stop() waits for the requests in flight to be answered, and for the broker to take the answers. */
const stopDrainTimeoutMs = 5_000;

export type DeviceGatewayOptions = {
  mqttUrl: string;
  handler: CommandHandler;
  store: EventStore;
  /** The read-model database for device_status; without it presence and seqs are not recorded. */
  db?: Knex;
  deviceMasterKey: string;
  /** The ledger's day boundary, pushed to terminals in their config. */
  timeZone: string;
  logger: Logger;
  registry?: Registry;
  topicPrefix?: string;
  /** Shared-subscription group: the gateways of one group split the requests between them (MQTT 5). */
  sharedGroup?: string;
  maxInflightCommands?: number;
  clock?: () => Date;
  /** 5 for Mosquitto; 4 (MQTT 3.1.1) for brokers without MQTT 5, such as the embedded aedes. */
  mqttProtocolVersion?: 4 | 5;
  clientId?: string;
  /** The per-transaction ceiling terminals apply to offline charges (see DeviceConfig). */
  deviceOfflineLimit?: string;
  lagWaitMs?: number;
  maxRequestBytes?: number;
  maxLostCardsPushed?: number;
  statusFlushIntervalMs?: number;
};

/** The message counts, presence renamed, with the flow control's and the broker link's state. */
export type DeviceGatewayStats = Omit<MessageCounts, 'presence'> & {
  inflight: number;
  maxInflightSeen: number;
  readPauses: number;
  presenceUpdates: number;
  directoryPosition: string;
  connected: boolean;
};

export type DeviceGateway = { stop: () => Promise<void>; stats: () => DeviceGatewayStats };

const noStatusWriter: DeviceStatusWriter = {
  recordApplied: () => undefined,
  recordSeen: () => undefined,
  recordPresence: () => undefined,
  flush: async () => undefined,
  stop: async () => undefined,
};

export const startDeviceGateway = async (options: DeviceGatewayOptions): Promise<DeviceGateway> => {
  const { logger } = options;
  const prefix = options.topicPrefix ?? defaultTopicPrefix;
  const clock = options.clock ?? (() => new Date());
  const maxInflight = options.maxInflightCommands ?? defaultMaxInflightCommands;
  const metrics = createGatewayMetrics(options.registry);
  const gate = createInflightGate(maxInflight, () => metrics.pauses.inc());
  const statusWriter = options.db
    ? createDeviceStatusWriter({
        db: options.db,
        logger,
        clock,
        ...(options.statusFlushIntervalMs ? { flushIntervalMs: options.statusFlushIntervalMs } : {}),
      })
    : noStatusWriter;
  const connection = connectGatewayClient({
    mqttUrl: options.mqttUrl,
    protocolVersion: options.mqttProtocolVersion ?? 5,
    clientId: options.clientId,
    receiveMaximum: maxInflight,
    logger,
  });

  const pushes = createPushes({
    publish: (topic, payload) => connection.publish(topic, payload, true),
    topicPrefix: prefix,
    offlineLimit: options.deviceOfflineLimit ?? defaultOfflineLimit,
    timeZone: options.timeZone,
    lostCards: () => directory.lostCards(options.maxLostCardsPushed ?? defaultMaxLostCardsPushed),
    metrics,
    logger,
  });
  let live = false;
  const directory = createDirectory({
    store: options.store,
    logger,
    ...(options.lagWaitMs === undefined ? {} : { lagWaitMs: options.lagWaitMs }),
    onChanges: (changes) => {
      // Before start-up has caught up, everything is pushed once at the end instead.
      if (!live) return;
      for (const device of changes.devices) void pushes.publishConfig(device);
      if (changes.lostCardsChanged) void pushes.publishLostCards();
    },
  });
  const messages = createMessageHandling({
    topicPrefix: prefix,
    processor: createRequestProcessor({
      handler: options.handler,
      directory,
      statusWriter,
      deviceMasterKey: options.deviceMasterKey,
      clock,
      logger,
      ...(options.maxRequestBytes === undefined ? {} : { maxRequestBytes: options.maxRequestBytes }),
    }),
    directory,
    statusWriter,
    gate,
    metrics,
    publish: connection.publish,
    clock,
    logger,
  });
  const { client } = connection;
  client.on('message', messages.onMessage);
  client.handleMessage = (_packet, callback) => gate.gate(() => callback());

  const filters = [
    sharedFilter(deviceTopicFilter(prefix, 'requests'), options.sharedGroup),
    deviceTopicFilter(prefix, 'presence'),
  ];
  try {
    // No request is served before the directory has read the log up to the head it had at start.
    await directory.start();
    live = true;
    await connection.connected();
    await client.subscribeAsync(Object.fromEntries(filters.map((filter) => [filter, { qos: 1 as const }])));
    await pushes.publishAllConfigs(directory.devices());
    await pushes.publishLostCards();
  } catch (error) {
    await directory.stop();
    await statusWriter.stop();
    await connection.end(stopDrainTimeoutMs);
    throw error;
  }
  logger.info({ topicPrefix: prefix, position: directory.position().toString() }, 'device gateway serving');

  return {
    stats: () => {
      const { presence, byCode, ...counts } = messages.counts;
      return {
        ...counts,
        byCode: { ...byCode },
        inflight: gate.inflight(),
        maxInflightSeen: gate.maxInflightSeen(),
        readPauses: gate.pauses(),
        presenceUpdates: presence,
        directoryPosition: directory.position().toString(),
        connected: client.connected,
      };
    },
    stop: async () => {
      live = false;
      if (client.connected) await client.unsubscribeAsync(filters).catch(() => undefined);
      await gate.drained(stopDrainTimeoutMs);
      await messages.acknowledged(stopDrainTimeoutMs);
      await statusWriter.stop();
      await directory.stop();
      await connection.end(stopDrainTimeoutMs);
    },
  };
};
