import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  isLedgerRejection,
  maskCardNumbersInText,
  type RejectionCode,
  rejectionCatalog,
} from '../ledger-core/index.ts';
import { type FieldError, problemContentType, problemOf } from './problem.ts';

// One error handler for everything a request can fail with: ledger rejections, schema validation,
// fastify's own body/content-type errors, rate limiting, unknown routes and bugs. Each becomes a
// problem+json body with a stable code; a bug never leaks its message to the client.

type Refusal = { code: RejectionCode; detail: string; errors?: FieldError[] };

type ValidationIssue = { instancePath?: string; message?: string };

const fieldErrorsOf = (context: string, issues: ValidationIssue[]): FieldError[] =>
  issues.map((issue) => {
    const path = (issue.instancePath ?? '').split('/').filter(Boolean).join('.');
    return {
      field: path ? `${context}.${path}` : context,
      message: maskCardNumbersInText(issue.message ?? 'invalid'),
    };
  });

const codeByStatus: Partial<Record<number, RejectionCode>> = {
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  503: 'unavailable',
};

export const refusalOf = (error: FastifyError): Refusal | undefined => {
  if (isLedgerRejection(error)) {
    const errors = error.details?.errors as FieldError[] | undefined;
    return { code: error.code, detail: maskCardNumbersInText(error.message), ...(errors ? { errors } : {}) };
  }
  if (Array.isArray(error.validation)) {
    const context = error.validationContext ?? 'request';
    const errors = fieldErrorsOf(context, error.validation as ValidationIssue[]);
    return {
      code: 'validation_failed',
      detail: `the ${context} does not match the schema: ${errors.map((e) => e.field).join(', ')}`,
      errors,
    };
  }
  const status = error.statusCode;
  if (status === undefined || status < 400 || status >= 500) return undefined;
  const code = codeByStatus[status] ?? 'validation_failed';
  return { code, detail: code === 'validation_failed' ? error.message : rejectionCatalog[code].title };
};

export const sendProblem = (request: FastifyRequest, reply: FastifyReply, refusal: Refusal): FastifyReply => {
  const problem = problemOf(refusal.code, refusal.detail, request, refusal.errors);
  if (problem.status === 401) reply.header('WWW-Authenticate', 'Bearer');
  if (problem.status === 503 && !reply.hasHeader('Retry-After')) reply.header('Retry-After', '1');
  return reply.code(problem.status).type(problemContentType).send(problem);
};

export const installProblemHandling = (app: FastifyInstance): void => {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const refusal = refusalOf(error);
    if (refusal) {
      request.log.info({ code: refusal.code, status: rejectionCatalog[refusal.code].status }, 'refused');
      return sendProblem(request, reply, refusal);
    }
    request.log.error({ err: error }, 'request failed');
    return sendProblem(request, reply, {
      code: 'internal_error',
      detail: `internal error; quote request id ${request.id}`,
    });
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(request, reply, {
      code: 'not_found',
      detail: maskCardNumbersInText(`no route ${request.method} ${request.url.split('?')[0]}`),
    }),
  );
};
