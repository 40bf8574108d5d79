import { FastifyOtelInstrumentation } from '@fastify/otel';
import type { ContextManager } from '@opentelemetry/api';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { NodeSDK } from '@opentelemetry/sdk-node';
import {
  BatchSpanProcessor,
  ParentBasedSampler,
  type SpanProcessor,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';
import { createWorkerOtlpExporter } from './otlp-worker-exporter.ts';
import { cardMaskingSpanProcessor } from './span-masking.ts';

// OpenTelemetry, set up once per process before the instrumented modules load. Traces are exported over
// OTLP/HTTP (JSON, posted from a worker thread: otlp-worker-exporter.ts) only when
// OTEL_EXPORTER_OTLP_ENDPOINT is set; otherwise spans still get ids (which reach the
// event metadata and the Kafka headers) but none is sampled.
//
// How the active span is found inside async work is a choice (TRACE_CONTEXT, docs/observability.md):
// - `explicit` (default): no context manager. Every hop of a payment names its parent explicitly (the
//   gateway's span to the command, the command's to its events, the relay's to Kafka), so a payment is
//   still one trace; library spans (pg) are not recorded. Log lines take their trace ids from the span
//   at hand in either mode.
// - `async-local-storage`: the active span follows every await, so pg and HTTP spans nest under the
//   payment's. On Node 20 AsyncLocalStorage runs on async hooks, which slow every promise whether or
//   not the trace is sampled.

export const traceContextModes = ['explicit', 'async-local-storage'] as const;
export type TraceContextMode = (typeof traceContextModes)[number];

export type TelemetryOptions = {
  serviceName: string;
  otlpEndpoint?: string | undefined;
  /** Sent with every export (OTEL_EXPORTER_OTLP_HEADERS), e.g. a collector's API key. */
  otlpHeaders?: Record<string, string> | undefined;
  /** Share of new traces sampled (a parent's decision is always followed). */
  sampleRatio?: number;
  context?: TraceContextMode;
  /** Extra processors, e.g. an in-memory exporter in tests. */
  spanProcessors?: SpanProcessor[];
};

export type Telemetry = { shutdown: () => Promise<void> };

export const defaultTraceSampleRatio = 1;
export const defaultTraceContextMode: TraceContextMode = 'explicit';

/** Prometheus scrapes and health probes arrive every few seconds and tell nothing about a payment. */
const scrapePaths = new Set(['/metrics', '/health']);
const isScrape = (url: string | undefined): boolean => scrapePaths.has((url ?? '').split('?')[0] ?? '');

type Instrumentations = NonNullable<ConstructorParameters<typeof NodeSDK>[0]>['instrumentations'];

const instrumentationsFor = (mode: TraceContextMode): Instrumentations => [
  new HttpInstrumentation({ ignoreIncomingRequestHook: (request) => isScrape(request.url) }),
  new FastifyOtelInstrumentation({
    registerOnInitialization: true,
    ignorePaths: ({ url }) => isScrape(url),
  }),
  // A query span needs an active parent, which only a context manager provides; without one pollers
  // (subscriptions, lag gauges) would start a trace for every query they make.
  ...(mode === 'async-local-storage' ? [new PgInstrumentation({ requireParentSpan: true })] : []),
];

export const startTelemetry = (options: TelemetryOptions): Telemetry => {
  const mode = options.context ?? defaultTraceContextMode;
  const exporters: SpanProcessor[] = [
    ...(options.spanProcessors ?? []),
    ...(options.otlpEndpoint
      ? [
          new BatchSpanProcessor(
            createWorkerOtlpExporter({
              endpoint: options.otlpEndpoint,
              ...(options.otlpHeaders ? { headers: options.otlpHeaders } : {}),
            }),
          ),
        ]
      : []),
  ];
  // With nowhere to send spans, recording them only costs: traces still get ids (events and Kafka
  // headers carry them), but none is sampled.
  const sampleRatio = exporters.length > 0 ? (options.sampleRatio ?? defaultTraceSampleRatio) : 0;
  const sdk = new NodeSDK({
    serviceName: options.serviceName,
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(sampleRatio) }),
    // Masking first: processors run in order, and it rewrites a span before any exporter sees it.
    spanProcessors: [cardMaskingSpanProcessor, ...exporters],
    // NodeSDK reads null as "register no context manager"; undefined would register AsyncLocalStorage.
    ...(mode === 'explicit' ? { contextManager: null as unknown as ContextManager } : {}),
    // Logs go to stdout through pino, not to an OTLP log exporter.
    logRecordProcessors: [],
    instrumentations: instrumentationsFor(mode),
  });
  sdk.start();
  return { shutdown: () => sdk.shutdown() };
};
