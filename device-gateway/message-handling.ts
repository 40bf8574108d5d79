import type { IPublishPacket } from 'mqtt';
import type { Logger } from 'pino';
import {
  inMessageSpan,
  logFieldsOfSpan,
  type Span,
  SpanKind,
  traceparentOfSpan,
  wellFormedTraceparent,
} from '../ledger-core/index.ts';
import type { DeviceStatusWriter, Presence } from './device-status.ts';
import type { Directory } from './directory.ts';
import type { InflightGate } from './flow-control.ts';
import type { GarbageReason, GatewayMetrics } from './metrics.ts';
import type { RequestProcessor } from './request-processor.ts';
import { deviceTopic, parseDeviceTopic } from './topics.ts';

// What the gateway does with each message the broker delivers: a request gets exactly one response on
// the device's responses topic; a presence message updates device_status; anything else is counted.

export type MessageCounts = {
  received: number;
  answered: number;
  accepted: number;
  rejected: number;
  /** Messages refused before reaching the ledger (also counted in answered when they could be answered). */
  garbage: number;
  /** Messages on a topic with no readable device id: nobody to answer. */
  unanswerable: number;
  presence: number;
  byCode: Record<string, number>;
};

/** The device's W3C traceparent (MQTT 5 user property); a malformed one is ignored, as the spec says. */
const traceparentOf = (packet: IPublishPacket): string | undefined => {
  const value = packet.properties?.userProperties?.traceparent;
  return wellFormedTraceparent(value);
};

export const createMessageHandling = (options: {
  topicPrefix: string;
  processor: RequestProcessor;
  directory: Pick<Directory, 'findDevice'>;
  statusWriter: Pick<DeviceStatusWriter, 'recordPresence'>;
  gate: InflightGate;
  metrics: GatewayMetrics;
  publish: (topic: string, payload: string, retain: boolean) => Promise<void>;
  clock: () => Date;
  logger: Logger;
}) => {
  const { gate, metrics, logger } = options;
  const counts: MessageCounts = {
    received: 0,
    answered: 0,
    accepted: 0,
    rejected: 0,
    garbage: 0,
    unanswerable: 0,
    presence: 0,
    byCode: {},
  };
  const unacknowledged = new Set<Promise<void>>();

  const countGarbage = (reason: GarbageReason) => {
    counts.garbage += 1;
    metrics.garbage.inc({ reason });
  };

  const answerRequest = async (deviceId: string, payload: Buffer, packet: IPublishPacket) => {
    const startedAt = performance.now();
    let published: Promise<void> = Promise.resolve();
    // Kept for the lines logged about this request after its span ended.
    let requestSpan: Span | undefined;
    try {
      const traceparent = traceparentOf(packet);
      // The ledger command is this span's child, so the whole payment is one trace from the terminal on.
      // The span is named to the command explicitly, not only made active: that holds without a context
      // manager (see docs/observability.md).
      const processed = await inMessageSpan(
        'mqtt.request',
        SpanKind.CONSUMER,
        { 'messaging.system': 'mqtt', 'device.id': deviceId },
        traceparent,
        async (span) => {
          requestSpan = span;
          const result = await options.processor.process(
            deviceId,
            payload,
            traceparentOfSpan(span) ?? traceparent,
          );
          const { response } = result;
          if (!span.isRecording()) return result;
          span.setAttributes({
            'ledger.request_type': result.requestType,
            'ledger.outcome': response.code ?? response.status,
            ...(response.seq === null ? {} : { 'device.seq': response.seq }),
            ...(response.txId === undefined ? {} : { 'ledger.tx_id': response.txId }),
            ...(response.position === undefined ? {} : { 'ledger.position': response.position }),
          });
          return result;
        },
      );
      const { response } = processed;
      if (processed.garbage) countGarbage(processed.garbage);
      counts[response.status] += 1;
      const code = response.code ?? 'ok';
      counts.byCode[code] = (counts.byCode[code] ?? 0) + 1;
      metrics.requests.inc({ type: processed.requestType, status: response.status, code });
      published = options.publish(
        deviceTopic(options.topicPrefix, deviceId, 'responses'),
        JSON.stringify(response),
        false,
      );
    } catch (error) {
      logger.error(
        { err: error, deviceId, ...logFieldsOfSpan(requestSpan) },
        'a device request failed unexpectedly; the device will resend it',
      );
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
      logger.error(
        { err: error, deviceId, ...logFieldsOfSpan(requestSpan) },
        'a device response could not be published',
      );
    } finally {
      unacknowledged.delete(published);
    }
  };

  const notePresence = (deviceId: string, payload: Buffer, packet: IPublishPacket) => {
    const presence = payload.toString('utf8');
    if (presence !== 'online' && presence !== 'offline') {
      countGarbage('invalid');
      return;
    }
    void options.directory.findDevice(deviceId).then((device) => {
      if (!device) return;
      counts.presence += 1;
      // A retained message replayed on subscribing says how the device is, not that it was just seen.
      options.statusWriter.recordPresence(
        deviceId,
        presence as Presence,
        packet.retain ? undefined : options.clock(),
      );
    });
  };

  return {
    counts,
    onMessage: (topic: string, payload: Buffer, packet: IPublishPacket) => {
      const parsed = parseDeviceTopic(options.topicPrefix, topic);
      if (!parsed.ok) {
        counts.unanswerable += 1;
        countGarbage('bad_topic');
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
    },
    /** Resolves when every response handed to the client was acknowledged by the broker, or after `timeoutMs`. */
    acknowledged: (timeoutMs: number) =>
      Promise.race([
        Promise.allSettled([...unacknowledged]).then(() => undefined),
        new Promise<void>((resolve) => setTimeout(resolve, timeoutMs)),
      ]),
  };
};
