import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { replayReadModels } from '../../audit/index.ts';
import { type EventStore, formatMoney, money, sumMoney } from '../../ledger-core/index.ts';
import { readModelTables } from '../../projections/index.ts';
import { offlineChargeLimit, type StudentModel } from './oracle.ts';
import type { RequestRecord } from './student-actor.ts';

// The invariants of DESIGN.md, checked from the outside at the end of a run: against the read models,
// the event log and the reference model of every student.

export type InvariantCheck = { name: string; ok: boolean; detail: string };

const check = (name: string, problems: string[], okDetail: string): InvariantCheck => ({
  name,
  ok: problems.length === 0,
  detail:
    problems.length === 0 ? okDetail : `${problems.length} problem(s): ${problems.slice(0, 5).join('; ')}`,
});

export const checkResponses = (records: RequestRecord[], violations: string[]): InvariantCheck[] => {
  const unanswered = records.filter((record) => !record.asked.response).length;
  return [
    check(
      'every request answered',
      unanswered > 0 ? [`${unanswered} request(s) without a response`] : [],
      `${records.length} requests, each answered`,
    ),
    check(
      'answers match the reference model',
      violations,
      'status, code and balance of every answer as predicted',
    ),
  ];
};

type BalanceRow = { account_id: string; balance: string };

export const finalBalances = async (db: Knex): Promise<Map<string, string>> => {
  const rows: BalanceRow[] = await db(readModelTables.accountBalances).select('account_id', 'balance');
  return new Map(rows.map((row) => [row.account_id, formatMoney(money(row.balance))]));
};

/** One digest of every final balance, so two runs of one seed can be compared at a glance. */
export const balancesDigest = (balances: Map<string, string>): string =>
  createHash('sha256')
    .update(
      [...balances.entries()]
        .sort(([left], [right]) => left.localeCompare(right))
        .map(([id, balance]) => `${id}=${balance}`)
        .join('\n'),
    )
    .digest('hex');

export const checkConservation = async (
  db: Knex,
  models: Map<string, StudentModel>,
  balances: Map<string, string>,
): Promise<InvariantCheck> => {
  const problems: string[] = [];
  const [trial] = await db(readModelTables.journalPostings).sum({ total: 'amount' });
  const trialTotal = money(String(trial?.total ?? '0'));
  if (!trialTotal.isZero()) problems.push(`trial balance sums to ${formatMoney(trialTotal)}, not 0.00`);
  const unbalanced: Array<{ position: string }> = await db(readModelTables.journalPostings)
    .select('position')
    .groupBy('position')
    .havingRaw('sum(amount) <> 0')
    .limit(5);
  for (const row of unbalanced) problems.push(`postings of position ${row.position} do not sum to zero`);
  for (const [accountId, model] of models) {
    const ledger = balances.get(accountId);
    if (ledger !== formatMoney(model.balance))
      problems.push(`${accountId}: ledger ${ledger}, reference ${formatMoney(model.balance)}`);
  }
  const cards = sumMoney([...balances.values()].map(money));
  const reference = sumMoney([...models.values()].map((model) => model.balance));
  if (!cards.equals(reference))
    problems.push(`Σ card balances ${formatMoney(cards)} ≠ reference ${formatMoney(reference)}`);
  return check(
    'I1 conservation',
    problems,
    `trial balance 0.00; Σ card balances ${formatMoney(cards)} equals the reference`,
  );
};

export const checkNoOverdraft = (
  models: Map<string, StudentModel>,
  balances: Map<string, string>,
): InvariantCheck => {
  const problems: string[] = [];
  let debtors = 0;
  for (const [accountId, model] of models) {
    const balance = money(balances.get(accountId) ?? '0');
    if (!balance.isNegative()) continue;
    debtors += 1;
    const floor = offlineChargeLimit.times(model.offlineCharges).negated();
    if (model.offlineCharges === 0)
      problems.push(`${accountId} is at ${formatMoney(balance)} without offline charges`);
    else if (balance.lessThan(floor))
      problems.push(`${accountId} is at ${formatMoney(balance)}, below ${formatMoney(floor)}`);
  }
  return check(
    'I2 no overdraft beyond policy',
    problems,
    `${debtors} account(s) in debt, each from offline charges within the offline limit`,
  );
};

export const checkIdempotency = async (db: Knex, records: RequestRecord[]): Promise<InvariantCheck> => {
  const problems: string[] = [];
  const twice = (await db(readModelTables.accountTransactions)
    .select('tx_id')
    .count({ count: '*' })
    .groupBy('tx_id')
    .havingRaw('count(*) > 1')
    .limit(5)) as unknown as Array<{ tx_id: string; count: string }>;
  for (const row of twice) problems.push(`txId ${row.tx_id} applied ${row.count} times`);
  const acceptedMoves = records.filter(
    (record) => record.kind !== 'balance' && record.asked.response?.status === 'accepted',
  );
  const txIds = acceptedMoves.map((record) => `${record.deviceId}-${record.asked.seq}`);
  const [applied] = await db(readModelTables.accountTransactions)
    .whereIn('tx_id', txIds)
    .count({ count: '*' });
  if (Number(applied?.count) !== txIds.length)
    problems.push(`${txIds.length} accepted device txIds, ${String(applied?.count)} applied`);
  const duplicates = records.reduce((sum, record) => sum + record.duplicatesInjected, 0);
  const resends = records.reduce(
    (sum, record) => sum + record.asked.sends - 1 - record.duplicatesInjected,
    0,
  );
  return check(
    'I5 idempotency',
    problems,
    `${duplicates} duplicate(s) injected and ${resends} resend(s); every txId applied once`,
  );
};

export const checkReplayEqualsLive = async (
  store: EventStore,
  db: Knex,
  timeZone: string,
): Promise<InvariantCheck> => {
  const result = await replayReadModels({ store, db, timeZone, verify: true });
  const verification = result.verification;
  const differences = verification
    ? verification.differences.map(
        (difference) => `${difference.table} ${difference.kind} ${JSON.stringify(difference.key)}`,
      )
    : ['no verification result'];
  if (verification && !verification.equal && differences.length === 0) differences.push('read models differ');
  return check(
    'I7 replay equals live',
    differences,
    `${result.events} events replayed at ${result.eventsPerSecond} events/s; no difference`,
  );
};
