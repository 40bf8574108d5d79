import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDevToken } from '../http-kit/index.ts';
import { testJwtSecret } from '../http-kit/testing/ledger-under-test.ts';
import { startTelemetry, type Telemetry } from '../runtime/telemetry.ts';
import { serviceAvailable } from '../testing/services.ts';
import { type CommandApiUnderTest, startCommandApi } from './test-app.ts';

// With the OpenTelemetry SDK on in the default (explicit, no context manager) mode: a command over
// HTTP is one trace from the request's span down to its events, and every log line of the request
// carries that trace's ids, refusals included. Telemetry is process-wide, hence a file of its own.

const postgresUp = await serviceAvailable('postgres');
const admin = createDevToken(testJwtSecret, 'admin', 'ops-1');

describe.skipIf(!postgresUp)('the trace of an HTTP command, on its spans, events and log lines', () => {
  const exporter = new InMemorySpanExporter();
  let telemetry: Telemetry;
  let server: CommandApiUnderTest;

  beforeAll(async () => {
    telemetry = startTelemetry({
      serviceName: 'command-api-trace-test',
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    server = await startCommandApi();
    const opened = await server.api.post(
      '/v1/accounts',
      { accountId: 'stu-1', holderName: 'Li Wei', holderType: 'student', cardNo: '6222020000001234' },
      { token: admin },
    );
    expect(opened.status).toBe(201);
  });
  afterAll(async () => {
    await server?.close();
    await telemetry?.shutdown();
  });

  const linesOf = (requestId: string | null) =>
    server.logs.lines.map((line) => JSON.parse(line)).filter((line) => line.reqId === requestId);
  const spanNamed = (name: string, traceId: string): ReadableSpan => {
    const spans = exporter
      .getFinishedSpans()
      .filter((span) => span.name === name && span.spanContext().traceId === traceId);
    expect(spans).toHaveLength(1);
    return spans[0] as ReadableSpan;
  };

  it('starts a trace at the request span when the client sends none, and puts it on every line', async () => {
    const topUp = await server.api.post(
      '/v1/accounts/stu-1/top-ups',
      { txId: 'tu-1', amount: '100.00', channel: 'cash' },
      { token: admin },
    );
    expect(topUp.status).toBe(200);

    const lines = linesOf(topUp.headers.get('x-request-id'));
    expect(lines.map((line) => line.msg)).toEqual(['incoming request', 'request completed']);
    const traceId = lines[0]?.trace_id;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    for (const line of lines) expect(line).toMatchObject({ trace_id: traceId, trace_flags: '01' });

    const request = spanNamed('request', traceId);
    const command = spanNamed('ledger.command', traceId);
    expect(lines[0]?.span_id).toBe(request.spanContext().spanId);
    expect(command.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
    const [event] = (await server.ledger.store.readStream('account-stu-1')).slice(-1);
    expect(event?.metadata.traceparent).toBe(`00-${traceId}-${command.spanContext().spanId}-01`);
  });

  it('continues the client’s trace, and a refusal’s lines carry it too', async () => {
    const clientTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const refused = await server.api.post(
      '/v1/accounts/stu-1/charges',
      { txId: 'ch-1', amount: '0.105', merchantId: 'canteen-1' },
      { token: admin, headers: { traceparent: `00-${clientTrace}-00f067aa0ba902b7-01` } },
    );
    expect(refused.status).toBe(400);

    const lines = linesOf(refused.headers.get('x-request-id'));
    expect(lines.map((line) => line.msg)).toEqual(['incoming request', 'refused', 'request completed']);
    for (const line of lines) expect(line.trace_id).toBe(clientTrace);
    expect(spanNamed('request', clientTrace).parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
  });
});
