import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDevToken } from '../../http-kit/index.ts';
import { type HttpClient, httpClient } from '../../http-kit/testing/http-client.ts';
import { deriveDeviceSecret } from '../../ledger-core/index.ts';
import { createLogger } from '../../runtime/logger.ts';
import { relayNameFor } from '../../runtime/operator-metrics.ts';
import { serviceAvailable, serviceUrls } from '../../testing/services.ts';
import { connectTerminal, type Terminal } from '../terminals/terminal.ts';
import { type ObservedStack, startObservedStack } from './observed-stack.ts';
import { type Exposition, hasSample, parsePrometheusText, sampleSum } from './prometheus-text.ts';

// What an operator scrapes: /metrics of the command-api and of the metrics listener (one registry per
// process) parse as strict Prometheus text, move with traffic over HTTP and MQTT, and the lag gauges of
// the relay and the projection rise while those are stopped and fall back to zero once they catch up.

const servicesUp =
  (await serviceAvailable('postgres')) &&
  (await serviceAvailable('kafka')) &&
  (await serviceAvailable('mqtt'));

const catchUpWaitMs = 30_000;
const cardNo = '6230000011112222';

const scrape = async (baseUrl: string): Promise<Exposition> => {
  const response = await fetch(`${baseUrl}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/plain');
  return parsePrometheusText(await response.text());
};

const eventually = async (check: () => Promise<boolean>, timeoutMs: number) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not reached within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

describe.skipIf(!servicesUp)('metrics an operator watches', () => {
  let stack: ObservedStack;
  let api: HttpClient;
  let terminal: Terminal | undefined;
  let admin: string;

  beforeAll(async () => {
    // Relay and projections start late, so their lag is there to be seen first.
    stack = await startObservedStack({
      logger: createLogger({ level: 'warn' }),
      services: ['command-api', 'query-api', 'device-gateway'],
    });
    api = httpClient(stack.urlOf('command-api'));
    admin = createDevToken(stack.config.jwtSecret, 'admin', 'ops');
  });
  afterAll(async () => {
    await terminal?.close();
    await stack?.close();
  });

  it('parse, move with traffic, and lag falls back to zero when relay and projection catch up', async () => {
    const before = await scrape(stack.urlOf('command-api'));
    expect(before.types.get('ledger_commands_total')).toBe('counter');
    expect(before.types.get('ledger_command_duration_seconds')).toBe('histogram');
    expect(hasSample(before, 'ledger_commands_inflight')).toBe(true);

    const post = async (path: string, body: unknown, status: number) =>
      expect((await api.post(path, body, { token: admin })).status).toBe(status);
    await post('/v1/merchants', { merchantId: 'canteen-1', name: 'C1', category: 'canteen' }, 201);
    await post('/v1/devices', { deviceId: 'pos-1', merchantId: 'canteen-1', kind: 'pos' }, 201);
    await post('/v1/accounts', { accountId: 'bob', holderName: 'Bob', holderType: 'student', cardNo }, 201);
    await post('/v1/accounts/bob/top-ups', { txId: 't-1', amount: '20.00', channel: 'cash' }, 200);
    await post('/v1/accounts/bob/charges', { txId: 'c-1', amount: '50.00', merchantId: 'canteen-1' }, 422);

    terminal = await connectTerminal({
      mqttUrl: serviceUrls.mqtt,
      topicPrefix: stack.config.mqttTopicPrefix,
      credentials: {
        deviceId: 'pos-1',
        secret: deriveDeviceSecret(stack.config.deviceMasterKey, 'pos-1', 'k1'),
      },
    });
    const answer = await terminal.request({
      seq: terminal.allocateSeq(),
      type: 'charge',
      cardNo,
      amount: '5.00',
      occurredAt: new Date().toISOString(),
    });
    expect(answer.status).toBe('accepted');
    const head = Number(await stack.runtime.store.headPosition());

    let after = await scrape(stack.urlOf('metrics'));
    await eventually(async () => {
      after = await scrape(stack.urlOf('metrics'));
      return sampleSum(after, 'ledger_devices_online') === 1;
    }, catchUpWaitMs);
    const moved = (name: string, labels: Record<string, string> = {}) =>
      sampleSum(after, name, labels) - sampleSum(before, name, labels);
    // Merchant, device, account, top-up over HTTP and the charge over MQTT.
    expect(moved('ledger_commands_total', { outcome: 'accepted' })).toBe(5);
    expect(moved('ledger_commands_total', { type: 'Charge', outcome: 'insufficient_funds' })).toBe(1);
    expect(moved('ledger_command_duration_seconds_count')).toBe(6);
    expect(moved('ledger_append_duration_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(moved('device_gateway_requests_total', { type: 'charge', status: 'accepted' })).toBe(1);
    expect(moved('http_requests_total', { service: 'command-api' })).toBeGreaterThanOrEqual(5);

    const relay = { relay: relayNameFor(stack.config.topic) };
    const readModels = { projection: 'read-models' };
    expect(sampleSum(after, 'ledger_relay_lag_events', relay)).toBe(head);
    expect(sampleSum(after, 'ledger_relay_lag_seconds', relay)).toBeGreaterThan(0);
    expect(sampleSum(after, 'ledger_projection_lag_events', readModels)).toBe(head);
    expect(sampleSum(after, 'ledger_projection_lag_seconds', readModels)).toBeGreaterThan(0);

    await stack.start(['relay', 'projections']);
    let caughtUp = after;
    // One scrape can see a lag computed after a checkpoint was written and a position gauge read just
    // before its owner set it (prom-client reads plain gauges before the async ones finish); and the
    // projector may commit before the relay stores its own checkpoint. So wait for all four.
    await eventually(async () => {
      caughtUp = await scrape(stack.urlOf('command-api'));
      return (
        sampleSum(caughtUp, 'ledger_projection_lag_events', readModels) === 0 &&
        sampleSum(caughtUp, 'ledger_projection_position', readModels) === head &&
        sampleSum(caughtUp, 'ledger_relay_lag_events', relay) === 0 &&
        sampleSum(caughtUp, 'ledger_relay_position', relay) === head
      );
    }, catchUpWaitMs);
    expect(sampleSum(caughtUp, 'ledger_projection_lag_seconds', readModels)).toBe(0);
    expect(sampleSum(caughtUp, 'ledger_relay_lag_events', relay)).toBe(0);
    expect(sampleSum(caughtUp, 'ledger_relay_lag_seconds', relay)).toBe(0);
    expect(sampleSum(caughtUp, 'ledger_relay_position', relay)).toBe(head);
    expect(sampleSum(caughtUp, 'ledger_projection_position', readModels)).toBe(head);
    expect(sampleSum(caughtUp, 'ledger_projection_events_applied_total', { feeder: 'kafka' })).toBe(head);

    const health = await fetch(`${stack.urlOf('metrics')}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', checks: { readModels: { ok: true } } });

    await terminal.close();
    terminal = undefined;
    await eventually(
      async () => sampleSum(await scrape(stack.urlOf('metrics')), 'ledger_devices_online') === 0,
      catchUpWaitMs,
    );
  }, 90_000);
});
