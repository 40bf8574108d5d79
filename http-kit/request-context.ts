import type { FastifyInstance } from 'fastify';
import { LedgerRejection } from '../ledger-core/index.ts';

// What a request brings to the commands it causes: a correlation id (the client's, or a new one) and
// a W3C traceparent. The request id is always returned, a client's correlation id echoed, so a client
// can find its request in logs and traces.

declare module 'fastify' {
  interface FastifyRequest {
    correlationId: string;
    traceparent: string | undefined;
  }
}

const correlationIdPattern = /^[A-Za-z0-9._:-]{1,128}$/;
const traceparentPattern = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

export const installRequestContext = (app: FastifyInstance): void => {
  app.decorateRequest('correlationId', '');
  app.decorateRequest('traceparent', undefined);
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('X-Request-Id', request.id);
    const given = request.headers['x-correlation-id'];
    if (given !== undefined && (typeof given !== 'string' || !correlationIdPattern.test(given))) {
      done(
        new LedgerRejection(
          'validation_failed',
          'X-Correlation-Id must be 1–128 characters of A-Z a-z 0-9 . _ : -',
          {
            errors: [{ field: 'headers.x-correlation-id', message: 'invalid correlation id' }],
          },
        ),
      );
      return;
    }
    request.correlationId = given ?? request.id;
    if (given !== undefined) reply.header('X-Correlation-Id', given);
    const traceparent = request.headers.traceparent;
    // The trace context spec says to ignore a malformed traceparent, not to fail the request.
    request.traceparent =
      typeof traceparent === 'string' && traceparentPattern.test(traceparent) ? traceparent : undefined;
    done();
  });
};
