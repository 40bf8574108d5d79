import { type Logger, pino } from 'pino';
import { maskCardFields, maskCardNumbersInText, maskingChildBindings } from '../ledger-core/index.ts';

export type { Logger };

// Card numbers never reach a log line in full: card fields are masked three levels deep in every line
// and in the bindings of every child logger, error messages and stacks are masked, and any other string
// argument that carries a run of 8–19 digits has the run masked.
// Trace ids are not taken from an active context (the default context mode has none): the code that
// logs about a request, a payment or an event binds them from its span (`logFieldsOfSpan`).

const maskedError = (error: unknown): unknown => {
  if (!(error instanceof Error)) return error;
  const serialized = pino.stdSerializers.err(error);
  // The serialized error carries the error's own fields too, card fields among them.
  return maskCardFields({
    ...serialized,
    message: maskCardNumbersInText(serialized.message),
    stack: maskCardNumbersInText(serialized.stack),
  });
};

export const createLogger = (
  options: { level?: string; name?: string; destination?: pino.DestinationStream } = {},
) =>
  maskingChildBindings(
    pino(
      {
        name: options.name ?? 'campus-ledger',
        level: options.level ?? 'info',
        formatters: { log: maskCardFields },
        serializers: { err: maskedError },
        hooks: {
          logMethod(args, method) {
            const masked = args.map((arg) => (typeof arg === 'string' ? maskCardNumbersInText(arg) : arg));
            // `logger.error(error)` makes the error's own message the line's message: mask it too.
            const [first] = args;
            if (first instanceof Error && args.length === 1)
              masked.push(maskCardNumbersInText(first.message));
            method.apply(this, masked as Parameters<typeof method>);
          },
        },
      },
      options.destination,
    ),
  );
