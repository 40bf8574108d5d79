import { type Logger, pino } from 'pino';
import { maskCardNo } from '../ledger-core/index.ts';

export type { Logger };

// Card numbers never reach a log line in full: known fields are masked by path, and any other string
// that carries a run of 8–19 digits has the run masked.

const cardPaths = ['cardNo', 'newCardNo', 'oldCardNo'];
const redactPaths = [
  ...cardPaths,
  ...cardPaths.map((path) => `*.${path}`),
  ...cardPaths.map((path) => `*.*.${path}`),
];
const digitRun = /\b[0-9]{8,19}\b/g;

export const maskCardNumbersIn = (text: string): string => text.replace(digitRun, (run) => maskCardNo(run));

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
      hooks: {
        logMethod(args, method) {
          method.apply(
            this,
            args.map((arg) => (typeof arg === 'string' ? maskCardNumbersIn(arg) : arg)) as Parameters<
              typeof method
            >,
          );
        },
      },
    },
    options.destination,
  );
