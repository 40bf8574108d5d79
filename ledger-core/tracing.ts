import {
  type Attributes,
  type Context,
  context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  ROOT_CONTEXT,
  type Span,
  SpanStatusCode,
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

/** Runs `work` inside a new span, child of `parent` (a traceparent) or of the active span. */
export const inSpan = async <T>(
  name: string,
  attributes: Attributes,
  work: (span: Span) => Promise<T>,
  parent?: string,
): Promise<T> =>
  tracer.startActiveSpan(name, { attributes }, contextFromTraceparent(parent), async (span) => {
    try {
      return await work(span);
    } catch (error) {
      span.setStatus({
        code: SpanStatusCode.ERROR,
        message: error instanceof Error ? error.message : String(error),
      });
      throw error;
    } finally {
      span.end();
    }
  });

/** A span that already happened (start and end known), child of the given span's context. */
export const recordChildSpan = (
  name: string,
  parent: Span,
  startTime: number,
  endTime: number,
  attributes: Attributes,
): void => {
  tracer.startSpan(name, { startTime, attributes }, trace.setSpan(context.active(), parent)).end(endTime);
};

export type { Span };
