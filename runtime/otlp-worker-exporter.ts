import { Worker } from 'node:worker_threads';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';

// OTLP/HTTP (JSON) span export whose HTTP client runs on a worker thread. On the main thread each export's
// socket and streams pass through the same Node stream functions that carry the MQTT and Postgres
// traffic; their new object shapes deoptimize those hot functions and V8 compiles them again, which cost
// the gateway more than the spans themselves (docs/observability.md, "Cost of tracing"). Spans are
// serialized here (they cannot cross threads); the bytes are handed over without a copy.

/** What OpenTelemetry's own OTLP exporters wait for an export by default. */
const exportTimeoutMs = 10_000;

export type WorkerOtlpExporterOptions = {
  /** The OTLP/HTTP endpoint's base, e.g. `http://collector:4318`; spans go to `<endpoint>/v1/traces`. */
  endpoint: string;
  headers?: Record<string, string>;
};

type Answer = { id: number; ok: boolean; error?: string };

export const createWorkerOtlpExporter = (options: WorkerOtlpExporterOptions): SpanExporter => {
  const worker = new Worker(new URL('./otlp-post-worker.js', import.meta.url), {
    workerData: {
      url: `${options.endpoint.replace(/\/$/, '')}/v1/traces`,
      headers: options.headers ?? {},
      timeoutMs: exportTimeoutMs,
    },
  });
  // Exports must not keep a process alive that has nothing else to do.
  worker.unref();
  const waiting = new Map<number, (answer: Answer) => void>();
  let nextId = 0;
  let stopped = false;

  const failAll = (error: string) => {
    for (const answer of waiting.values()) answer({ id: -1, ok: false, error });
    waiting.clear();
  };
  worker.on('message', (answer: Answer) => {
    waiting.get(answer.id)?.(answer);
    waiting.delete(answer.id);
  });
  worker.on('error', (error) => failAll(error.message));
  worker.on('exit', () => failAll('the OTLP export worker exited'));

  const post = (body: Uint8Array): Promise<Answer> =>
    new Promise((resolve) => {
      const id = nextId++;
      waiting.set(id, resolve);
      worker.postMessage({ id, body }, [body.buffer as ArrayBuffer]);
    });
  const inFlight = new Set<Promise<unknown>>();
  const settled = () => Promise.all(inFlight).then(() => undefined);

  return {
    export: (spans: ReadableSpan[], resultCallback: (result: ExportResult) => void) => {
      const body = stopped ? undefined : JsonTraceSerializer.serializeRequest(spans);
      if (!body) {
        resultCallback({ code: ExportResultCode.FAILED, error: new Error('the exporter is shut down') });
        return;
      }
      const sent = post(body).then((answer) =>
        resultCallback(
          answer.ok
            ? { code: ExportResultCode.SUCCESS }
            : { code: ExportResultCode.FAILED, error: new Error(`OTLP export failed: ${answer.error}`) },
        ),
      );
      inFlight.add(sent);
      void sent.finally(() => inFlight.delete(sent));
    },
    forceFlush: settled,
    shutdown: async () => {
      stopped = true;
      await settled();
      await worker.terminate();
    },
  };
};
