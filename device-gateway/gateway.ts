import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import mqtt, { type IClientOptions, type IPublishPacket } from 'mqtt';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { type CommandHandler, defaultOfflineLimit, type EventStore } from '../ledger-core/index.ts';
import { createDeviceStatusWriter, type DeviceStatusWriter, type Presence } from './device-status.ts';
import { createDirectory } from './directory.ts';
import { createInflightGate } from './flow-control.ts';
import { createGatewayMetrics } from './metrics.ts';
import { sendWithoutDelay } from './no-delay.ts';
import { createPushes, defaultMaxLostCardsPushed } from './pushes.ts';
import { createRequestProcessor } from './request-processor.ts';
import {
  defaultTopicPrefix,
  deviceTopic,
  deviceTopicFilter,
  parseDeviceTopic,
  sharedFilter,
} from './topics.ts';

export const defaultMaxInflightCommands = 512;
/** A gateway's broker session outlives a broker restart or a short network cut, not a gateway's end. */
const sessionExpirySeconds = 120;
const reconnectPeriodMs = 500;
const connectTimeoutMs = 5_000;
const keepaliveSeconds = 30;
/** How long stop() waits for the requests in flight to be answered. */
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

export type DeviceGatewayStats = {
  received: number;
  answered: number;
  accepted: number;
  rejected: number;
  /** Messages refused before reaching the ledger (also counted in answered when they could be answered). */
  garbage: number;
  /** Messages on a topic with no readable device id: nobody to answer. */
  unanswerable: number;
  byCode: Record<string, number>;
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

const mqttOptionsOf = (options: DeviceGatewayOptions, maxInflight: number): IClientOptions => {
  const protocolVersion = options.mqttProtocolVersion ?? 5;
  return {
    clientId: options.clientId ?? `ledger-gateway-${randomBytes(6).toString('hex')}`,
    protocolVersion,
    // MQTT 5 bounds the session's life, so a persistent session survives a broker restart without
    // piling up after the gateway is gone; 3.1.1 has no expiry, so there the session is clean.
    clean: protocolVersion !== 5,
    ...(protocolVersion === 5
      ? { properties: { sessionExpiryInterval: sessionExpirySeconds, receiveMaximum: maxInflight } }
      : {}),
    reconnectPeriod: reconnectPeriodMs,
    connectTimeout: connectTimeoutMs,
    keepalive: keepaliveSeconds,
  };
};

const traceparentOf = (packet: IPublishPacket): string | undefined => {
  const value = packet.properties?.userProperties?.traceparent;
  return typeof value === 'string' ? value : undefined;
};

export const startDeviceGateway = async (options: DeviceGatewayOptions): Promise<DeviceGateway> => {
  const { logger } = options;
  const prefix = options.topicPrefix ?? defaultTopicPrefix;
  const clock = options.clock ?? (() => new Date());
  const maxInflight = options.maxInflightCommands ?? defaultMaxInflightCommands;
  const metrics = createGatewayMetrics(options.registry);
  const counts = {
    received: 0,
    answered: 0,
    accepted: 0,
    rejected: 0,
    garbage: 0,
    unanswerable: 0,
    presence: 0,
  };
  const byCode: Record<string, number> = {};
  const gate = createInflightGate(maxInflight, () => metrics.pauses.inc());
  const statusWriter = options.db
    ? createDeviceStatusWriter({
        db: options.db,
        logger,
        clock,
        ...(options.statusFlushIntervalMs ? { flushIntervalMs: options.statusFlushIntervalMs } : {}),
      })
    : noStatusWriter;

  const client = mqtt.connect(options.mqttUrl, mqttOptionsOf(options, maxInflight));
  sendWithoutDelay(client);
  client.on('error', (error) => logger.warn({ err: error }, 'device gateway MQTT error'));
  client.on('reconnect', () => logger.info('device gateway reconnecting to the broker'));
  const publish = async (topic: string, payload: string, retain: boolean) => {
    await client.publishAsync(topic, payload, { qos: 1, retain });
  };

  const pushes = createPushes({
    publish: (topic, payload) => publish(topic, payload, true),
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
  const processor = createRequestProcessor({
    handler: options.handler,
    directory,
    statusWriter,
    deviceMasterKey: options.deviceMasterKey,
    clock,
    logger,
    ...(options.maxRequestBytes === undefined ? {} : { maxRequestBytes: options.maxRequestBytes }),
  });

  const unacknowledged = new Set<Promise<void>>();

  const answerRequest = async (deviceId: string, payload: Buffer, packet: IPublishPacket) => {
    const startedAt = performance.now();
    let published: Promise<void>;
    try {
      const { response, requestType, garbage } = await processor.process(
        deviceId,
        payload,
        traceparentOf(packet),
      );
      if (garbage) {
        counts.garbage += 1;
        metrics.garbage.inc({ reason: garbage });
      }
      counts[response.status] += 1;
      const code = response.code ?? 'ok';
      byCode[code] = (byCode[code] ?? 0) + 1;
      metrics.requests.inc({ type: requestType, status: response.status, code });
      published = publish(deviceTopic(prefix, deviceId, 'responses'), JSON.stringify(response), false);
    } catch (error) {
      logger.error(
        { err: error, deviceId },
        'a device request failed unexpectedly; the device will resend it',
      );
      published = Promise.resolve();
    } finally {
      // The slot is free once the response is handed to the client, not when the broker acknowledges it:
      // that PUBACK arrives on the very socket the gate may be holding still.
      gate.release();
      metrics.inflight.set(gate.inflight());
    }
    unacknowledged.add(published);
    try {
      await published;
      counts.answered += 1;
      metrics.duration.observe((performance.now() - startedAt) / 1_000);
    } catch (error) {
      logger.error({ err: error, deviceId }, 'a device response could not be published');
    } finally {
      unacknowledged.delete(published);
    }
  };

  const notePresence = (deviceId: string, payload: Buffer, packet: IPublishPacket) => {
    const presence = payload.toString('utf8');
    if (presence !== 'online' && presence !== 'offline') {
      counts.garbage += 1;
      metrics.garbage.inc({ reason: 'invalid' });
      return;
    }
    void directory.findDevice(deviceId).then((device) => {
      if (!device) return;
      counts.presence += 1;
      // A retained message replayed on subscribing says how the device is, not that it was just seen.
      statusWriter.recordPresence(deviceId, presence as Presence, packet.retain ? undefined : clock());
    });
  };

  client.on('message', (topic, payload, packet) => {
    const parsed = parseDeviceTopic(prefix, topic);
    if (!parsed.ok) {
      counts.unanswerable += 1;
      counts.garbage += 1;
      metrics.garbage.inc({ reason: 'bad_topic' });
      return;
    }
    if (parsed.leaf === 'presence') {
      notePresence(parsed.deviceId, payload, packet);
      return;
    }
    if (parsed.leaf !== 'requests') return;
    counts.received += 1;
    gate.admit();
    metrics.inflight.set(gate.inflight());
    void answerRequest(parsed.deviceId, payload, packet);
  });
  client.handleMessage = (_packet, callback) => gate.gate(() => callback());

  const filters = [
    sharedFilter(deviceTopicFilter(prefix, 'requests'), options.sharedGroup),
    deviceTopicFilter(prefix, 'presence'),
  ];
  const endClient = () =>
    new Promise<void>((resolve) => {
      // Ending the session (expiry 0) keeps the broker from queueing requests for a gateway that is gone.
      const disconnect =
        client.options.protocolVersion === 5 ? { properties: { sessionExpiryInterval: 0 } } : {};
      const force = setTimeout(() => client.end(true, () => resolve()), stopDrainTimeoutMs);
      client.end(false, disconnect, () => {
        clearTimeout(force);
        resolve();
      });
    });

  try {
    // No request is served before the directory has read the log up to the head it had at start.
    await directory.start();
    live = true;
    if (!client.connected) await new Promise((resolve) => client.once('connect', resolve));
    await client.subscribeAsync(Object.fromEntries(filters.map((filter) => [filter, { qos: 1 as const }])));
    await pushes.publishAllConfigs(directory.devices());
    await pushes.publishLostCards();
  } catch (error) {
    await directory.stop();
    await statusWriter.stop();
    await endClient();
    throw error;
  }
  logger.info({ topicPrefix: prefix, position: directory.position().toString() }, 'device gateway serving');

  return {
    stats: () => ({
      received: counts.received,
      answered: counts.answered,
      accepted: counts.accepted,
      rejected: counts.rejected,
      garbage: counts.garbage,
      unanswerable: counts.unanswerable,
      byCode: { ...byCode },
      inflight: gate.inflight(),
      maxInflightSeen: gate.maxInflightSeen(),
      readPauses: gate.pauses(),
      presenceUpdates: counts.presence,
      directoryPosition: directory.position().toString(),
      connected: client.connected,
    }),
    stop: async () => {
      live = false;
      if (client.connected) await client.unsubscribeAsync(filters).catch(() => undefined);
      await gate.drained(stopDrainTimeoutMs);
      await Promise.race([
        Promise.allSettled([...unacknowledged]),
        new Promise((resolve) => setTimeout(resolve, stopDrainTimeoutMs)),
      ]);
      await statusWriter.stop();
      await directory.stop();
      await endClient();
    },
  };
};
