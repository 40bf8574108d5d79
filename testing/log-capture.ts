import { Writable } from 'node:stream';
import { type Logger, pino } from 'pino';

/** A pino logger whose lines are kept, parsed, for a test to read. */
export const capturingJsonLogger = (
  level = 'info',
): { logger: Logger; lines: Array<Record<string, unknown>> } => {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { logger: pino({ level }, destination), lines };
};
