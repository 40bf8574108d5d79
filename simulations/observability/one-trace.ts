import { randomBytes } from 'node:crypto';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviceResponseSchema, deviceTopic } from '../../device-gateway/index.ts';
import {
  type CommandContext,
  deriveDeviceSecret,
  type LedgerCommandInput,
  ledgerCommandSchema,
  signDevicePayload,
} from '../../ledger-core/index.ts';
import { createKafka, deadLetterTopicOf } from '../../projections/index.ts';
import { loadConfig } from '../../runtime/config.ts';
import { createLogger } from '../../runtime/logger.ts';
import { startTelemetry, type Telemetry, type TraceContextMode } from '../../runtime/telemetry.ts';
import { serviceAvailable, serviceUrls } from '../../testing/services.ts';
import { type SimStack, startSimStack } from '../scenarios/sim-stack.ts';

// One payment, one trace: a charge sent by a terminal over MQTT through the gateway, the command
// handler, and on to the read models. On the full stack (Mosquitto with MQTT 5 and a traceparent user
// property, Postgres, the relay to Kafka, the Kafka projector) and on the embedded one (aedes with MQTT
// 3.1.1, so the gateway starts the trace; PGlite; the in-process projector). NodeSDK registers
// process-wide globals once, so each case has a test file (and a vitest worker) of its own.

export type OneTraceCase = { context: TraceContextMode; stack: 'full' | 'embedded' };

const fullStackUp =
  (await serviceAvailable('postgres')) &&
  (await serviceAvailable('kafka')) &&
  (await serviceAvailable('mqtt'));

const spanWaitMs = 30_000;
const responseWaitMs = 10_000;
const cardNo = '6217000012345678';
/** The spans of one payment under which a library span (a pg query) may nest: the gateway's own
 *  lookups sit under its request span, the command's reads under the command. */
const payloadSpanNames = [
  'mqtt.request',
  'ledger.command',
  'ledger.append',
  'relay.publish',
  'projection.apply',
];
const adminContext: CommandContext = {
  correlationId: 'trace-test',
  causationId: 'trace-test',
  actor: { type: 'admin', id: 'trace-test' },
};

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

const waitFor = async <Value>(read: () => Value | undefined, timeoutMs: number): Promise<Value> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`nothing after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

const seedAliceAtCanteen = async (stack: SimStack) => {
  const run = (command: LedgerCommandInput) =>
    stack.runtime.handler.handle(ledgerCommandSchema.parse(command), adminContext);
  const occurredAt = new Date().toISOString();
  await run({
    type: 'RegisterMerchant',
    occurredAt,
    merchantId: 'canteen-1',
    name: 'C1',
    category: 'canteen',
  });
  await run({
    type: 'RegisterDevice',
    occurredAt,
    deviceId: 'pos-1',
    merchantId: 'canteen-1',
    kind: 'pos',
    keyId: 'k1',
  });
  await run({
    type: 'OpenAccount',
    occurredAt,
    accountId: 'alice',
    holderName: 'Alice',
    holderType: 'student',
    cardNo,
  });
  await run({
    type: 'TopUp',
    occurredAt,
    accountId: 'alice',
    txId: 'seed-1',
    amount: '50.00',
    channel: 'cash',
  });
};

const deleteKafkaTopics = async (stack: SimStack) => {
  const { topic, projectionGroup } = stack.runtime.config;
  const admin = createKafka({
    brokers: [serviceUrls.kafka],
    logger: createLogger({ level: 'silent' }),
  }).admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [topic, deadLetterTopicOf(topic)] }).catch(() => undefined);
  await admin.deleteGroups([projectionGroup]).catch(() => undefined);
  await admin.disconnect();
};

export const describeOneTrace = ({ context, stack: kind }: OneTraceCase) =>
  describe.skipIf(kind === 'full' && !fullStackUp)(
    `one trace per payment (${kind} stack, ${context} context)`,
    () => {
      const exporter = new InMemorySpanExporter();
      let telemetry: Telemetry;
      let stack: SimStack;
      let terminal: MqttClient;

      beforeAll(async () => {
        telemetry = startTelemetry({
          serviceName: 'campus-ledger-trace-test',
          context,
          spanProcessors: [new SimpleSpanProcessor(exporter)],
        });
        const base = loadConfig(
          kind === 'full'
            ? {
                DATABASE_URL: serviceUrls.postgres,
                KAFKA_BROKERS: serviceUrls.kafka,
                MQTT_URL: serviceUrls.mqtt,
              }
            : {},
        );
        stack = await startSimStack({ base, logger: createLogger({ level: 'warn' }) });
        await seedAliceAtCanteen(stack);
        terminal = await mqtt.connectAsync(stack.mqttUrl, {
          protocolVersion: stack.mqttProtocolVersion,
          clientId: `trace-test-${hex(4)}`,
        });
      });

      afterAll(async () => {
        await terminal?.endAsync();
        await stack?.close();
        if (stack && kind === 'full') await deleteKafkaTopics(stack);
        await telemetry?.shutdown();
      });

      it('covers gateway, command, append, relay and projection, each the child of the one before', async () => {
        const prefix = stack.runtime.config.mqttTopicPrefix;
        const responses = deviceTopic(prefix, 'pos-1', 'responses');
        await terminal.subscribeAsync(responses, { qos: 1 });
        const answered = new Promise<unknown>((resolve) =>
          terminal.on('message', (topic, payload) => {
            if (topic === responses) resolve(JSON.parse(payload.toString('utf8')));
          }),
        );
        const secret = deriveDeviceSecret(stack.runtime.config.deviceMasterKey, 'pos-1', 'k1');
        const request = {
          seq: 1,
          type: 'charge',
          cardNo,
          amount: '12.50',
          occurredAt: new Date().toISOString(),
        };
        // MQTT 3.1.1 (the embedded broker) has no user properties: there the gateway starts the trace.
        const terminalTrace =
          stack.mqttProtocolVersion === 5 ? { traceId: hex(16), spanId: hex(8) } : undefined;
        await terminal.publishAsync(
          deviceTopic(prefix, 'pos-1', 'requests'),
          JSON.stringify({ ...request, sig: signDevicePayload(secret, request) }),
          {
            qos: 1,
            ...(terminalTrace
              ? {
                  properties: {
                    userProperties: { traceparent: `00-${terminalTrace.traceId}-${terminalTrace.spanId}-01` },
                  },
                }
              : {}),
          },
        );
        const response = deviceResponseSchema.parse(
          await Promise.race([
            answered,
            new Promise((_, reject) => setTimeout(() => reject(new Error('no response')), responseWaitMs)),
          ]),
        );
        expect(response).toMatchObject({ seq: 1, status: 'accepted', txId: 'pos-1-1', balance: '37.50' });

        const gateway = await waitFor(
          () =>
            exporter
              .getFinishedSpans()
              .find((span) => span.name === 'mqtt.request' && span.attributes['ledger.tx_id'] === 'pos-1-1'),
          spanWaitMs,
        );
        const traceId = gateway.spanContext().traceId;
        const ofTrace = () =>
          exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId);
        const one = (name: string): ReadableSpan => {
          const spans = ofTrace().filter((span) => span.name === name);
          expect(spans.map((span) => span.name)).toEqual([name]);
          return spans[0] as ReadableSpan;
        };
        await waitFor(() => ofTrace().find((span) => span.name === 'projection.apply'), spanWaitMs);

        const command = one('ledger.command');
        const append = one('ledger.append');
        const projection = one('projection.apply');
        const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
        if (terminalTrace) {
          expect(traceId).toBe(terminalTrace.traceId);
          expect(parentOf(gateway)).toBe(terminalTrace.spanId);
        } else {
          expect(parentOf(gateway)).toBeUndefined();
        }
        expect(parentOf(command)).toBe(gateway.spanContext().spanId);
        expect(parentOf(append)).toBe(command.spanContext().spanId);
        if (kind === 'full') {
          const relay = one('relay.publish');
          expect(parentOf(relay)).toBe(command.spanContext().spanId);
          expect(parentOf(projection)).toBe(relay.spanContext().spanId);
          expect(relay.attributes).toMatchObject({
            'ledger.stream': 'account-alice',
            'ledger.position': response.position,
            'ledger.tx_id': 'pos-1-1',
            'ledger.event_type': 'Charged',
          });
        } else {
          expect(ofTrace().filter((span) => span.name === 'relay.publish')).toEqual([]);
          expect(parentOf(projection)).toBe(command.spanContext().spanId);
        }

        expect(gateway.attributes).toMatchObject({
          'device.id': 'pos-1',
          'device.seq': 1,
          'ledger.tx_id': 'pos-1-1',
          'ledger.outcome': 'accepted',
          'ledger.position': response.position,
        });
        expect(command.attributes).toMatchObject({
          'ledger.command': 'Charge',
          'ledger.stream': 'account-alice',
        });
        expect(projection.attributes).toMatchObject({
          'ledger.stream': 'account-alice',
          'ledger.position': response.position,
          'ledger.event_type': 'Charged',
        });
        // Library spans (pg) nest under the payment's spans only when a context manager carries the
        // active span; then every query of the payment lands in its trace, under one of its spans.
        const queries = ofTrace().filter((span) => span.name.startsWith('pg.'));
        if (context === 'async-local-storage' && kind === 'full') {
          const nameOf = new Map(ofTrace().map((span) => [span.spanContext().spanId, span.name]));
          const queryParents = queries.map(
            (query) => nameOf.get(parentOf(query) ?? '') ?? 'outside the trace',
          );
          expect(queryParents).toContain('ledger.command');
          for (const parent of queryParents) expect(payloadSpanNames).toContain(parent);
        }
        if (context === 'explicit') expect(queries).toEqual([]);
        const everything = JSON.stringify(ofTrace().map((span) => [span.name, span.attributes, span.status]));
        expect(everything).not.toContain(cardNo);

        const { rows } = await stack.runtime.db.raw<{ rows: Array<{ balance: string }> }>(
          'SELECT balance::text AS balance FROM account_balances WHERE account_id = ?',
          ['alice'],
        );
        expect(rows[0]?.balance).toBe('37.50');
      }, 60_000);
    },
  );
