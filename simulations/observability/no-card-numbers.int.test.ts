import { Writable } from 'node:stream';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, describe, expect, it } from 'vitest';
import { createDevToken } from '../../http-kit/index.ts';
import { type HttpResponse, httpClient } from '../../http-kit/testing/http-client.ts';
import { deriveDeviceSecret } from '../../ledger-core/index.ts';
import { loadConfig } from '../../runtime/config.ts';
import { createLogger } from '../../runtime/logger.ts';
import { startTelemetry } from '../../runtime/telemetry.ts';
import { serviceAvailable, serviceUrls } from '../../testing/services.ts';
import { planCampus } from '../campus/campus-plan.ts';
import { runLunchRush } from '../lunch-rush/run-lunch-rush.ts';
import { planStudentScripts } from '../lunch-rush/student-scripts.ts';
import { connectTerminal } from '../terminals/terminal.ts';
import { startObservedStack } from './observed-stack.ts';

// No full card number anywhere an outsider can read it: every log line (debug level) of a short lunch
// rush and of a lost-card / replaced-card flow over the APIs and MQTT, every HTTP response (bodies and
// headers, refusals included), every MQTT response, and every span's attributes and status.

const servicesUp =
  (await serviceAvailable('postgres')) &&
  (await serviceAvailable('kafka')) &&
  (await serviceAvailable('mqtt'));

const rush = { students: 60, terminals: 8, minutes: 0.1, seed: 11 } as const;
const lostCard = '6231000000000001';
const newCard = '6231000000000002';

const exporter = new InMemorySpanExporter();
const processor = new SimpleSpanProcessor(exporter);
const telemetry = servicesUp
  ? startTelemetry({
      serviceName: 'campus-ledger-masking-test',
      // With a context manager, so HTTP and SQL spans (free text) are recorded and log lines carry ids.
      context: 'async-local-storage',
      spanProcessors: [processor],
    })
  : undefined;
afterAll(() => telemetry?.shutdown());

const logLines: string[] = [];
const logger = createLogger({
  level: 'debug',
  destination: new Writable({
    write(chunk, _encoding, done) {
      logLines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  }),
});

/** The card numbers a lunch rush of this size and seed uses: opened cards and their replacements. */
const rushCardNumbers = (): string[] => {
  const plan = planCampus({ students: rush.students, seed: rush.seed });
  const replacements = planStudentScripts(plan, rush.seed).flatMap((script) =>
    script.steps.flatMap((step) => (step.kind === 'report-lost-and-replace' ? [step.newCardNo] : [])),
  );
  expect(replacements.length).toBeGreaterThan(0);
  return [...plan.students.map((student) => student.cardNo), ...replacements];
};

const responseText = (response: HttpResponse): string =>
  JSON.stringify({ status: response.status, headers: [...response.headers], body: response.body });

const lostAndReplacedFlow = async (): Promise<string[]> => {
  const stack = await startObservedStack({
    logger,
    services: ['command-api', 'query-api', 'device-gateway', 'relay', 'projections'],
  });
  const seen: string[] = [];
  try {
    const commands = httpClient(stack.urlOf('command-api'));
    const queries = httpClient(stack.urlOf('query-api'));
    const token = createDevToken(stack.config.jwtSecret, 'admin', 'ops');
    const keep = (response: HttpResponse) => {
      seen.push(responseText(response));
      return response;
    };
    const post = async (path: string, body: unknown) => keep(await commands.post(path, body, { token }));
    await post('/v1/merchants', { merchantId: 'canteen-1', name: 'C1', category: 'canteen' });
    await post('/v1/devices', { deviceId: 'pos-1', merchantId: 'canteen-1', kind: 'pos' });
    const opened = { accountId: 'carol', holderName: 'Carol', holderType: 'student', cardNo: lostCard };
    expect((await post('/v1/accounts', opened)).status).toBe(201);
    expect((await post('/v1/accounts', opened)).status).toBe(409);
    await post('/v1/accounts/carol/top-ups', { txId: 't-1', amount: '30.00', channel: 'cash' });
    await post('/v1/accounts/carol/report-lost', {});
    expect((await post('/v1/accounts/carol/replace-card', { newCardNo: `${newCard}x` })).status).toBe(400);
    const replaced = await post('/v1/accounts/carol/replace-card', { newCardNo: newCard });
    expect(replaced.status).toBe(200);
    keep(await commands.post(`/v1/accounts/carol/charges?cardNo=${lostCard}`, {}, { token }));
    keep(await queries.get(`/v1/accounts/${lostCard}`, { token }));

    const terminal = await connectTerminal({
      mqttUrl: serviceUrls.mqtt,
      topicPrefix: stack.config.mqttTopicPrefix,
      credentials: {
        deviceId: 'pos-1',
        secret: deriveDeviceSecret(stack.config.deviceMasterKey, 'pos-1', 'k1'),
      },
    });
    const now = () => new Date().toISOString();
    const refused = await terminal.request({
      seq: terminal.allocateSeq(),
      type: 'charge',
      cardNo: lostCard,
      amount: '5.00',
      occurredAt: now(),
    });
    expect(refused).toMatchObject({ status: 'rejected', code: 'card_lost' });
    const charged = await terminal.request({
      seq: terminal.allocateSeq(),
      type: 'charge',
      cardNo: newCard,
      amount: '5.00',
      occurredAt: now(),
    });
    expect(charged.status).toBe('accepted');
    seen.push(JSON.stringify([refused, charged]));
    await terminal.close();

    const readYourWrites = { token, headers: { 'x-min-position': String(charged.position) } };
    const account = keep(await queries.get('/v1/accounts/carol', readYourWrites));
    expect(account.status).toBe(200);
    expect(account.body.cardNo).toMatch(/^6231\*+0002$/);
    keep(await queries.get('/v1/accounts/carol/transactions?limit=10', readYourWrites));
    keep(await queries.get('/v1/devices/pos-1', readYourWrites));
  } finally {
    await stack.close();
  }
  return seen;
};

describe.skipIf(!servicesUp)('card numbers are masked everywhere', () => {
  it('in the logs, responses and spans of a lunch rush and of a lost-card flow', async () => {
    const report = await runLunchRush({
      base: loadConfig({
        DATABASE_URL: serviceUrls.postgres,
        KAFKA_BROKERS: serviceUrls.kafka,
        MQTT_URL: serviceUrls.mqtt,
      }),
      logger,
      ...rush,
    });
    expect(report.requests).toBeGreaterThan(rush.students);
    const responses = await lostAndReplacedFlow();

    await processor.forceFlush();
    const spans = exporter
      .getFinishedSpans()
      .map((span) => JSON.stringify([span.name, span.attributes, span.status, span.events]));
    const cards = [...rushCardNumbers(), lostCard, newCard];
    const outside = [...logLines, ...responses, ...spans];
    expect(logLines.length).toBeGreaterThan(20);
    expect(spans.length).toBeGreaterThan(rush.students);
    const leaks = cards.flatMap((card) => outside.filter((text) => text.includes(card)).slice(0, 1));
    expect(leaks).toEqual([]);

    // The lines written while serving a request carry its trace.
    const requestLines = logLines.map((line) => JSON.parse(line)).filter((line) => line.reqId !== undefined);
    expect(requestLines.length).toBeGreaterThan(10);
    expect(requestLines.filter((line) => typeof line.trace_id !== 'string')).toEqual([]);
  }, 180_000);
});
