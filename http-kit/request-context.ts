import { type FastifyInstance, type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import {
  LedgerRejection,
  logFieldsOfTraceparent,
  type Span,
  traceparentOfSpan,
  wellFormedTraceparent,
} from '../ledger-core/index.ts';

// What a request brings to the commands it causes: a correlation id (the client's, or a new one) and
// a W3C traceparent. The request id is always returned, a client's correlation id echoed, so a client
// can find its request in logs and traces. Every log line of the request carries its trace ids.

declare module 'fastify' {
  interface FastifyRequest {
    correlationId: string;
    traceparent: string | undefined;
  }
}

/**
 * Fastify logs "incoming request" before any hook runs, when the request has no span yet; the request
 * context writes that line itself once the request's trace ids are bound to its logger.
 */
export class TracedRequestLogController extends LogController {
  override incomingRequest(): void {}

  incomingRequestTraced(request: FastifyRequest, reply: FastifyReply): void {
    super.incomingRequest(request, reply);
  }
}

type InstrumentedRequest = { opentelemetry?: () => { span?: Span | null } };

/** The request's span, when the SDK's fastify instrumentation runs: its onRequest hook starts it first. */
const requestSpanOf = (request: FastifyRequest): Span | undefined =>
  (request as unknown as InstrumentedRequest).opentelemetry?.().span ?? undefined;

const correlationIdPattern = /^[A-Za-z0-9._:-]{1,128}$/;

export const installRequestContext = (
  app: FastifyInstance,
  logController: TracedRequestLogController,
): void => {
  app.decorateRequest('correlationId', '');
  app.decorateRequest('traceparent', undefined);
  app.addHook('onRequest', (request, reply, done) => {
    bindTrace(request, reply);
    logController.incomingRequestTraced(request, reply);
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
    done();
  });
};

/**
 * The request's traceparent: its own span's when the SDK records requests (so the commands it causes
 * are that span's children), else the client's. Its ids go on every log line of the request.
 */
const bindTrace = (request: FastifyRequest, reply: FastifyReply): void => {
  const given = wellFormedTraceparent(request.headers.traceparent);
  const span = requestSpanOf(request);
  request.traceparent = (span && traceparentOfSpan(span)) ?? given;
  const fields = logFieldsOfTraceparent(request.traceparent);
  if (fields.trace_id === undefined) return;
  request.log = request.log.child(fields);
  reply.log = request.log;
};
