import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ExportResultCode } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { createWorkerOtlpExporter } from './otlp-worker-exporter.ts';

// The OTLP exporter whose HTTP client runs on a worker thread, against a local collector stand-in:
// what it posts is OTLP/JSON with every span, the configured headers travel, and a refusal or a
// shut-down exporter reports failure instead of losing spans silently.

type Received = { path: string | undefined; headers: IncomingMessage['headers']; body: unknown };

const startCollector = async (status: number) => {
  const received: Received[] = [];
  const server: Server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    received.push({
      path: request.url,
      headers: request.headers,
      body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
    });
    response.writeHead(status, { 'content-type': 'application/json' }).end('{}');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { endpoint: `http://127.0.0.1:${port}/`, received, close: () => server.close() };
};

/** Two finished spans, made by the SDK itself. */
const finishedSpans = () => {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] });
  const tracer = provider.getTracer('exporter-test');
  const parent = tracer.startSpan('mqtt.request', { attributes: { 'device.id': 'pos-1' } });
  tracer.startSpan('ledger.command').end();
  parent.end();
  return memory.getFinishedSpans();
};

const exportOnce = (exporter: ReturnType<typeof createWorkerOtlpExporter>) =>
  new Promise<{ code: ExportResultCode; error?: Error }>((resolve) =>
    exporter.export(finishedSpans(), resolve),
  );

describe('the OTLP exporter on a worker thread', () => {
  const closers: Array<() => unknown> = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });

  it('posts every span as OTLP/JSON to <endpoint>/v1/traces, with the configured headers', async () => {
    const collector = await startCollector(200);
    const exporter = createWorkerOtlpExporter({
      endpoint: collector.endpoint,
      headers: { 'x-api-key': 'secret-1' },
    });
    closers.push(collector.close, () => exporter.shutdown());

    expect(await exportOnce(exporter)).toEqual({ code: ExportResultCode.SUCCESS });
    expect(collector.received).toHaveLength(1);
    const [request] = collector.received;
    expect(request?.path).toBe('/v1/traces');
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.headers['x-api-key']).toBe('secret-1');
    const body = request?.body as {
      resourceSpans: Array<{ scopeSpans: Array<{ spans: Array<{ name: string; attributes: unknown[] }> }> }>;
    };
    const spans = body.resourceSpans.flatMap((resource) =>
      resource.scopeSpans.flatMap((scope) => scope.spans),
    );
    expect(spans.map((span) => span.name).sort()).toEqual(['ledger.command', 'mqtt.request']);
    expect(spans.find((span) => span.name === 'mqtt.request')?.attributes).toEqual([
      { key: 'device.id', value: { stringValue: 'pos-1' } },
    ]);
  });

  it('reports a collector’s refusal, and refuses to export once shut down', async () => {
    const collector = await startCollector(503);
    const exporter = createWorkerOtlpExporter({ endpoint: collector.endpoint });
    closers.push(collector.close);

    const refused = await exportOnce(exporter);
    expect(refused.code).toBe(ExportResultCode.FAILED);
    expect(refused.error?.message).toContain('HTTP 503');

    await exporter.shutdown();
    const afterShutdown = await exportOnce(exporter);
    expect(afterShutdown.code).toBe(ExportResultCode.FAILED);
    expect(collector.received).toHaveLength(1);
  });

  it('reports an unreachable collector as a failure', async () => {
    const collector = await startCollector(200);
    collector.close();
    const exporter = createWorkerOtlpExporter({ endpoint: collector.endpoint });
    closers.push(() => exporter.shutdown());
    expect((await exportOnce(exporter)).code).toBe(ExportResultCode.FAILED);
  });
});
