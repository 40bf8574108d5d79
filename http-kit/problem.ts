import { z } from 'zod';
import {
  LedgerRejection,
  maskCardNumbersInText,
  type RejectionCode,
  rejectionCatalog,
} from '../ledger-core/index.ts';

// RFC 9457 problem details. Every error of both APIs leaves as one of these, with a stable `code` from
// the ledger's rejection catalogue, so clients branch on `code` and never on `title` or `detail`.

export const problemContentType = 'application/problem+json';

export const fieldErrorSchema = z.object({
  field: z.string().describe('Where the problem is: body.amount, params.id, querystring.limit, headers.x'),
  message: z.string(),
});
export type FieldError = z.infer<typeof fieldErrorSchema>;

export const problemSchema = z.object({
  type: z.string().describe('A URI reference naming the kind of problem: /problems/{code}'),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  code: z.string().describe('Stable machine-readable code (see the rejection catalogue)'),
  instance: z.string().describe('The request path this problem occurred on'),
  requestId: z.string(),
  errors: z.array(fieldErrorSchema).optional(),
});
export type Problem = z.infer<typeof problemSchema>;

/** Response schemas of the error statuses, for every route's OpenAPI entry and serializer. */
export const problemResponses = { '4xx': problemSchema, '5xx': problemSchema } as const;

export const problemTypeOf = (code: RejectionCode): string => `/problems/${code}`;

export const problemOf = (
  code: RejectionCode,
  detail: string,
  request: { url: string; id: string },
  errors?: FieldError[],
): Problem => ({
  type: problemTypeOf(code),
  title: rejectionCatalog[code].title,
  status: rejectionCatalog[code].status,
  detail,
  code,
  instance: maskCardNumbersInText(request.url.split('?')[0] ?? request.url),
  requestId: request.id,
  ...(errors && errors.length > 0 ? { errors } : {}),
});

/** Field errors travel in a rejection's details so a route can refuse input the schemas cannot judge. */
export const validationRejection = (detail: string, errors: FieldError[]): LedgerRejection =>
  new LedgerRejection('validation_failed', detail, { errors });
