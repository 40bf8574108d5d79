import { FastifyOtelInstrumentation } from '@fastify/otel';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { NodeSDK } from '@opentelemetry/sdk-node';
import {
  BatchSpanProcessor,
  ParentBasedSampler,
  type SpanProcessor,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';
import { cardMaskingSpanProcessor } from './span-masking.ts';

// OpenTelemetry, set up once per process before the instrumented modules load. Traces are exported over
// OTLP only when OTEL_EXPORTER_OTLP_ENDPOINT is set; otherwise spans still exist (trace ids reach the logs
// and the event metadata) but go nowhere.

export type TelemetryOptions = {
  serviceName: string;
  otlpEndpoint?: string | undefined;
  /** Share of new traces sampled (a parent's decision is always followed). */
  sampleRatio?: number;
  /** Extra processors, e.g. an in-memory exporter in tests. */
  spanProcessors?: SpanProcessor[];
};

export type Telemetry = { shutdown: () => Promise<void> };

export const defaultTraceSampleRatio = 1;

/** Prometheus scrapes and health probes arrive every few seconds and tell nothing about a payment. */
const scrapePaths = new Set(['/metrics', '/health']);
const isScrape = (url: string | undefined): boolean => scrapePaths.has((url ?? '').split('?')[0] ?? '');

export const startTelemetry = (options: TelemetryOptions): Telemetry => {
  const processors: SpanProcessor[] = [cardMaskingSpanProcessor, ...(options.spanProcessors ?? [])];
  if (options.otlpEndpoint) {
    processors.push(
      new BatchSpanProcessor(
        new OTLPTraceExporter({ url: `${options.otlpEndpoint.replace(/\/$/, '')}/v1/traces` }),
      ),
    );
  }
  const sdk = new NodeSDK({
    serviceName: options.serviceName,
    sampler: new ParentBasedSampler({
      root: new TraceIdRatioBasedSampler(options.sampleRatio ?? defaultTraceSampleRatio),
    }),
    spanProcessors: processors,
    // Logs go to stdout through pino (with trace ids), not to an OTLP log exporter.
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request) => isScrape(request.url),
      }),
      // Pollers (subscriptions, lag gauges) would otherwise start a trace for every query they make.
      new PgInstrumentation({ requireParentSpan: true }),
      new FastifyOtelInstrumentation({
        registerOnInitialization: true,
        ignorePaths: ({ url }) => isScrape(url),
      }),
    ],
  });
  sdk.start();
  return { shutdown: () => sdk.shutdown() };
};
