import { type Logger, pino } from 'pino';
import { maskCardNo } from '../ledger-core/index.ts';

export type { Logger };

// Card numbers never reach a log line in full: known fields are masked by path, error messages and
// stacks are masked, and any other string argument that carries a run of 8–19 digits has the run masked.
// Trace ids are not taken from an active context (the default context mode has none): the code that
// logs about a request, a payment or an event binds them from its span (`logFieldsOfSpan`).

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

export const createLogger = (
  options: { level?: string; name?: string; destination?: pino.DestinationStream } = {},
) =>
  pino(
    {
      name: options.name ?? 'campus-ledger',
      level: options.level ?? 'info',
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
