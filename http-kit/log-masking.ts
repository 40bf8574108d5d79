import type { Logger } from 'pino';
import { maskCardFields, maskCardNumbersInText, maskingChildBindings } from '../ledger-core/index.ts';

// Card numbers never reach a log line in full: the runtime's logger masks them, and the HTTP apps mask
// again on their own child logger so that any logger passed in (a test's, a bare pino) is safe too.

const maskedError = (error: unknown): unknown => {
  if (!(error instanceof Error)) return error;
  return {
    type: error.name,
    message: maskCardNumbersInText(error.message),
    stack: maskCardNumbersInText(error.stack ?? ''),
    ...('code' in error ? { code: (error as { code: unknown }).code } : {}),
  };
};

type LoggedRequest = {
  method?: string;
  url?: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number };
};

/** Fastify's request summary, with the URL masked: a client may put a card number in a path or query. */
const maskedRequest = (request: LoggedRequest) => ({
  method: request.method,
  url: maskCardNumbersInText(request.url ?? ''),
  host: request.host,
  remoteAddress: request.ip,
  remotePort: request.socket?.remotePort,
});

export const maskingChildLogger = (logger: Logger, bindings: Record<string, unknown>): Logger =>
  maskingChildBindings(
    logger.child(maskCardFields(bindings), {
      formatters: { log: maskCardFields },
      serializers: { err: maskedError, req: maskedRequest },
    }),
  );
