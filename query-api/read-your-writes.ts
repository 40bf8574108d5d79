import type { FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { LedgerRejection, type Position, parsePosition } from '../ledger-core/index.ts';

// Read-your-writes: a client that wrote at position P sends `X-Min-Position: P`, and the query waits
// (bounded) until the read models have applied P. A wait that runs out is a 503 with Retry-After (set
// by the problem handler) that the client may retry.

export const defaultReadYourWritesWaitMs = 2_000;
export type WaitForPosition = (
  position: Position,
  timeoutMs: number,
) => Promise<{ reached: boolean; position: Position }>;

/** The X-Min-Position of a request, already checked by the route's headers schema. */
export const minPositionOf = (request: FastifyRequest): Position | undefined => {
  const header = request.headers['x-min-position'];
  return typeof header === 'string' ? parsePosition(header) : undefined;
};

export const lagging = (wanted: Position, reached: Position, waitedMs: number): LedgerRejection =>
  new LedgerRejection(
    'projection_lagging',
    `read models are at position ${reached}, not yet ${wanted}, after waiting ${waitedMs} ms; retry`,
  );

/** Waits for a position, or throws `projection_lagging` when the wait runs out. */
export const requirePosition = async (
  wait: WaitForPosition,
  wanted: Position,
  waitMs: number,
): Promise<Position> => {
  const outcome = await wait(wanted, waitMs);
  if (!outcome.reached) throw lagging(wanted, outcome.position, waitMs);
  return outcome.position;
};

export const readYourWrites =
  (wait: WaitForPosition, waitMs: number): preHandlerAsyncHookHandler =>
  async (request) => {
    const wanted = minPositionOf(request);
    if (wanted !== undefined) await requirePosition(wait, wanted, waitMs);
  };
