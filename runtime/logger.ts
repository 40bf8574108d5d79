import { context, isSpanContextValid, trace } from '@opentelemetry/api';
import { type Logger, pino } from 'pino';
import { maskCardNo } from '../ledger-core/index.ts';

export type { Logger };

// Card numbers never reach a log line in full: known fields are masked by path, error messages and
// stacks are masked, and any other string argument that carries a run of 8–19 digits has the run masked.
// Every line written inside a span carries its trace and span ids, so a log line leads to its trace.

const cardPaths = ['cardNo', 'newCardNo', 'oldCardNo'];
const redactPaths = [
  ...cardPaths,
  ...cardPaths.map((path) => `*.${path}`),
  ...cardPaths.map((path) => `*.*.${path}`),
];
// Not `\b`: a card number glued to letters or underscores (`card_6222…`) is still a card number.
const digitRun = /(?<![0-9])[0-9]{8,19}(?![0-9])/g;

export const maskCardNumbersIn = (text: string): string => text.replace(digitRun, (run) => maskCardNo(run));

const maskedError = (error: unknown): unknown => {
  if (!(error instanceof Error)) return error;
  const serialized = pino.stdSerializers.err(error);
  return {
    ...serialized,
    message: maskCardNumbersIn(serialized.message),
    stack: maskCardNumbersIn(serialized.stack),
  };
};

/** The active span's ids, as the OpenTelemetry log data model names them. */
export const traceFields = (): { trace_id?: string; span_id?: string; trace_flags?: string } => {
  const spanContext = trace.getSpanContext(context.active());
  if (!spanContext || !isSpanContextValid(spanContext)) return {};
  return {
    trace_id: spanContext.traceId,
    span_id: spanContext.spanId,
    trace_flags: spanContext.traceFlags.toString(16).padStart(2, '0'),
  };
};

export const createLogger = (
  options: { level?: string; name?: string; destination?: pino.DestinationStream } = {},
) =>
  pino(
    {
      name: options.name ?? 'campus-ledger',
      level: options.level ?? 'info',
      mixin: traceFields,
      redact: {
        paths: redactPaths,
        censor: (value) => (typeof value === 'string' ? maskCardNo(value) : value),
      },
      serializers: { err: maskedError },
      hooks: {
        logMethod(args, method) {
          const masked = args.map((arg) => (typeof arg === 'string' ? maskCardNumbersIn(arg) : arg));
          // `logger.error(error)` makes the error's own message the line's message: mask it too.
          const [first] = args;
          if (first instanceof Error && args.length === 1) masked.push(maskCardNumbersIn(first.message));
          method.apply(this, masked as Parameters<typeof method>);
        },
      },
    },
    options.destination,
  );
