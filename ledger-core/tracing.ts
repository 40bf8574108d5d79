import {
  type Attributes,
  type Context,
  context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  isSpanContextValid,
  ROOT_CONTEXT,
  type Span,
  type SpanContext,
  SpanKind,
  type SpanOptions,
  SpanStatusCode,
  TraceFlags,
  trace,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

// Trace context crosses process boundaries as a W3C `traceparent` string: in event metadata, Kafka
// headers and MQTT user properties. Without an OpenTelemetry SDK these helpers cost next to nothing.

const tracer = trace.getTracer('campus-ledger');
const propagator = new W3CTraceContextPropagator();

/** The context carried by a traceparent, or the active context when there is none. */
export const contextFromTraceparent = (traceparent: string | undefined): Context => {
  if (!traceparent) return context.active();
  return propagator.extract(ROOT_CONTEXT, { traceparent }, defaultTextMapGetter);
};

export const traceparentOf = (ctx: Context = context.active()): string | undefined => {
  const carrier: Record<string, string> = {};
  propagator.inject(ctx, carrier, defaultTextMapSetter);
  return carrier.traceparent;
};

const runInSpan = async <T>(
  name: string,
  options: SpanOptions,
  parent: Context,
  work: (span: Span) => Promise<T>,
): Promise<T> =>
  tracer.startActiveSpan(name, options, parent, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      failSpan(span, error);
      throw error;
    } finally {
      span.end();
    }
  });

const failSpan = (span: Span, error: unknown): void => {
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: error instanceof Error ? error.message : String(error),
  });
};

const unsampledTraceparent = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f][02468ace]$/;

/**
 * The parent's own span context when `traceparent` names a valid parent that was not sampled: a child of
 * it is never recorded whatever the sampler (parent-based), so it needs no span of its own.
 */
const unsampledParentOf = (traceparent: string | undefined): Span | undefined => {
  const match = traceparent === undefined ? null : unsampledTraceparent.exec(traceparent);
  if (!match) return undefined;
  const spanContext = {
    traceId: match[1] as string,
    spanId: match[2] as string,
    traceFlags: TraceFlags.NONE,
    isRemote: true,
  };
  return isSpanContextValid(spanContext) ? trace.wrapSpanContext(spanContext) : undefined;
};

/**
 * Runs `work` inside a new span, child of `parent` (a traceparent) or of the active span. Under an
 * unsampled parent traceparent (most payments, at a sampling ratio below 1) it runs under the parent's
 * context itself: the trace id still reaches the events, and no span is made that nobody records.
 */
export const inSpan = async <T>(
  name: string,
  attributes: Attributes,
  work: (span: Span) => Promise<T>,
  parent?: string,
): Promise<T> => {
  const unsampledParent = unsampledParentOf(parent);
  if (unsampledParent) {
    return context.with(trace.setSpan(context.active(), unsampledParent), () => work(unsampledParent));
  }
  return runInSpan(name, { attributes }, contextFromTraceparent(parent), work);
};

// A message from outside (MQTT request, Kafka record, stored event) starts its span from the traceparent
// it carried, or a new trace; never from whatever context happened to be active where it was received.
const messageContext = (traceparent: string | undefined): Context =>
  traceparent ? contextFromTraceparent(traceparent) : ROOT_CONTEXT;

/** Runs `work` inside a new active span for one message: child of its traceparent, else a new trace. */
export const inMessageSpan = async <T>(
  name: string,
  kind: SpanKind,
  attributes: Attributes,
  traceparent: string | undefined,
  work: (span: Span) => Promise<T>,
): Promise<T> => runInSpan(name, { kind, attributes }, messageContext(traceparent), work);

/**
 * Starts, without activating, a span for one message of a batch (each keeps its own trace): child of
 * its traceparent, else a new trace. The caller ends it with `endSpan`.
 */
export const startMessageSpan = (
  name: string,
  kind: SpanKind,
  attributes: Attributes,
  traceparent: string | undefined,
): Span => tracer.startSpan(name, { kind, attributes }, messageContext(traceparent));

/** Ends a span, marked failed when `error` is given. */
export const endSpan = (span: Span, error?: unknown): void => {
  if (error !== undefined) failSpan(span, error);
  span.end();
};

/** Runs `work`, then ends every span: marked failed when `work` throws. */
export const endSpansAfter = async <T>(spans: Iterable<Span>, work: () => Promise<T>): Promise<T> => {
  const open = [...spans];
  let result: T;
  try {
    result = await work();
  } catch (error) {
    for (const span of open) endSpan(span, error);
    throw error;
  }
  for (const span of open) endSpan(span);
  return result;
};

/**
 * The traceparent that makes a receiver's span a child of `span` (W3C format, as the propagator writes
 * it), built from the span's ids without the context objects a propagator needs: it runs per event.
 */
export const traceparentOfSpan = (span: Span): string | undefined => {
  const spanContext = span.spanContext();
  if (!isSpanContextValid(spanContext)) return undefined;
  const sampled = spanContext.traceFlags & TraceFlags.SAMPLED;
  return `00-${spanContext.traceId}-${spanContext.spanId}-0${sampled}`;
};

/** A log line's trace fields, as OpenTelemetry's log data model names them. */
export type TraceLogFields = { trace_id?: string; span_id?: string; trace_flags?: string };

const logFieldsOf = (spanContext: SpanContext): TraceLogFields =>
  isSpanContextValid(spanContext)
    ? {
        trace_id: spanContext.traceId,
        span_id: spanContext.spanId,
        trace_flags: spanContext.traceFlags.toString(16).padStart(2, '0'),
      }
    : {};

/**
 * The ids a log line about the work of `span` carries, so the line leads to its trace. Lines take them
 * explicitly, not from an active context: the default context mode has none (docs/observability.md).
 */
export const logFieldsOfSpan = (span: Span | undefined): TraceLogFields =>
  span ? logFieldsOf(span.spanContext()) : {};

/** A well-formed W3C traceparent: version, trace id, parent span id, flags. */
const traceparentPattern = /^[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The trace context spec says to ignore a malformed traceparent, not to fail what carried it. */
export const wellFormedTraceparent = (value: unknown): string | undefined =>
  typeof value === 'string' && traceparentPattern.test(value) ? value : undefined;

/** The log fields of the span a W3C traceparent names; none for a missing or malformed one. */
export const logFieldsOfTraceparent = (traceparent: string | undefined): TraceLogFields => {
  const match = traceparent === undefined ? null : traceparentPattern.exec(traceparent);
  if (!match) return {};
  return logFieldsOf({
    traceId: match[1] as string,
    spanId: match[2] as string,
    traceFlags: Number.parseInt(match[3] as string, 16),
  });
};

/** A span that already happened (start and end known), child of the given span's context. */
export const recordChildSpan = (
  name: string,
  parent: Span,
  startTime: number,
  endTime: number,
  attributes: Attributes,
): void => {
  // The child of an unsampled span is unsampled too: no need to make it.
  if (!parent.isRecording()) return;
  tracer.startSpan(name, { startTime, attributes }, trace.setSpan(context.active(), parent)).end(endTime);
};

export type { Span };
export { SpanKind };
