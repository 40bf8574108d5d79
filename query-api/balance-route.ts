import {
  accountIdParamsSchema,
  authorize,
  problemResponses,
  validationRejection,
  type ZodFastify,
} from '../http-kit/index.ts';
import { type Position, positionToString } from '../ledger-core/index.ts';
import { queryAccess } from './access.ts';
import { findAccount } from './account-routes.ts';
import type { QueryRouteDeps } from './query-deps.ts';
import { lagging, requirePosition } from './read-your-writes.ts';
import { moneyText } from './rows.ts';
import { balanceQuerySchema, pointInTimeBalanceSchema, readYourWritesHeadersSchema } from './schemas.ts';

// A balance at a point in the past is summed from the journal's postings on the card's ledger account,
// never derived from the current balance. The read models must have applied everything up to that
// point first: a position must be reached; for a time, every event recorded up to it (recordedAt never
// goes backwards along the log, so those events are a prefix of it).

type Deps = Pick<QueryRouteDeps, 'db' | 'store' | 'clock' | 'waitForPosition' | 'readYourWritesWaitMs'>;

/** Waits until the read models hold every event recorded at or before `asOf`. */
const requireRecordedUpTo = async (deps: Deps, asOf: string): Promise<void> => {
  const asOfMs = Date.parse(asOf);
  const deadline = Date.now() + deps.readYourWritesWaitMs;
  for (;;) {
    // A position of 0 is always reached: this reads where the read models are now.
    const { position: reached } = await deps.waitForPosition(0n, 0);
    const [next] = await deps.store.readAll({ fromPosition: reached, maxCount: 1 });
    if (!next || Date.parse(next.metadata.recordedAt) > asOfMs) return;
    const remainingMs = deadline - Date.now();
    if (remainingMs <= 0) throw lagging(next.position, reached, deps.readYourWritesWaitMs);
    await deps.waitForPosition(next.position, remainingMs);
  }
};

type SumRow = { balance: string | null; last_position: string | null };

export const registerBalanceRoute = (app: ZodFastify, deps: QueryRouteDeps): void => {
  const { db, store, clock } = deps;

  const sumPostings = async (accountId: string, bound: { position: Position } | { asOf: string }) => {
    const { rows } = await db.raw<{ rows: SumRow[] }>(
      `SELECT sum(amount)::text AS balance, max(position)::text AS last_position
         FROM journal_postings
        WHERE ledger_account = ? AND ${'position' in bound ? 'position <= ?::bigint' : 'recorded_at <= ?::timestamptz'}`,
      [`card:${accountId}`, 'position' in bound ? positionToString(bound.position) : bound.asOf],
    );
    return rows[0] ?? { balance: null, last_position: null };
  };

  app.get(
    '/v1/accounts/:id/balance',
    {
      schema: {
        summary: 'The balance at a past instant (?asOf=) or position (?position=), from the journal',
        tags: ['accounts'],
        security: [{ bearerAuth: [] }],
        headers: readYourWritesHeadersSchema,
        params: accountIdParamsSchema,
        querystring: balanceQuerySchema,
        response: { 200: pointInTimeBalanceSchema, ...problemResponses },
      },
      onRequest: authorize(queryAccess.balance),
      preHandler: deps.readYourWrites,
    },
    async (request) => {
      const { id } = request.params;
      const { position, asOf } = request.query;
      if (position !== undefined && asOf !== undefined) {
        throw validationRejection('give asOf or position, not both', [
          { field: 'querystring', message: 'asOf and position exclude each other' },
        ]);
      }
      let sum: SumRow;
      let answeredAsOf: string | null = null;
      if (position !== undefined) {
        const wanted = BigInt(position);
        const head = await store.headPosition();
        if (wanted > head) {
          throw validationRejection(`position ${wanted} is beyond the ledger's head ${head}`, [
            { field: 'querystring.position', message: 'not yet written' },
          ]);
        }
        await requirePosition(deps.waitForPosition, wanted, deps.readYourWritesWaitMs);
        sum = await sumPostings(id, { position: wanted });
      } else {
        answeredAsOf = asOf ?? clock().toISOString();
        if (Date.parse(answeredAsOf) > clock().getTime()) {
          throw validationRejection('asOf lies in the future', [
            { field: 'querystring.asOf', message: 'the future balance is not known yet' },
          ]);
        }
        await requireRecordedUpTo(deps, answeredAsOf);
        sum = await sumPostings(id, { asOf: answeredAsOf });
      }
      // No posting at all: an account opened later still has a balance (zero); an unknown one has none.
      if (sum.last_position === null) await findAccount(db, id);
      return {
        accountId: id,
        balance: moneyText(sum.balance),
        asOf: answeredAsOf,
        position: position ?? null,
        lastMovePosition: sum.last_position,
      };
    },
  );
};
