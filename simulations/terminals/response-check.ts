import type { DeviceResponse } from '../../device-gateway/index.ts';
import { formatMoney, type Money, money, signedMoneySchema } from '../../ledger-core/index.ts';
import type { TrackedRequest } from './terminal.ts';

// What the simulator checks of every answer: it names the request it answers, a balance is money and an
// online charge never leaves it below zero (I2), and every answer to one request tells the same story.

const transientCodes = new Set(['unavailable', 'rate_limited', 'concurrency_conflict', 'internal_error']);
/** Only the first problems are kept word for word; the rest are counted. */
const maxRecordedProblems = 50;

export type SimulatedCharge = {
  deviceId: string;
  seq: number;
  cardNo: string;
  amount: string;
  offline: boolean;
};

export type ResponseChecker = ReturnType<typeof createResponseChecker>;

export const createResponseChecker = () => {
  const problems: string[] = [];
  let problemCount = 0;
  const problem = (text: string) => {
    problemCount += 1;
    if (problems.length < maxRecordedProblems) problems.push(text);
  };

  const check = (charge: SimulatedCharge, tracked: TrackedRequest, response: DeviceResponse) => {
    const name = `${charge.deviceId} seq ${charge.seq}`;
    if (response.txId !== `${charge.deviceId}-${charge.seq}`)
      problem(`${name}: answer names txId ${response.txId}`);
    if (response.status === 'accepted') {
      if (!response.balance || !signedMoneySchema.safeParse(response.balance).success) {
        problem(`${name}: accepted without a balance`);
      } else if (!charge.offline && money(response.balance).isNegative()) {
        problem(`${name}: online charge left balance ${response.balance}`);
      }
    }
    const first = tracked.responses[0];
    if (!first || first === response) return;
    if (
      isFinal(first) &&
      isFinal(response) &&
      (first.status !== response.status || first.code !== response.code)
    ) {
      problem(
        `${name}: answered ${first.status}/${first.code ?? ''} and then ${response.status}/${response.code ?? ''}`,
      );
    }
    if (first.status === 'accepted' && response.status === 'accepted') {
      if (first.balance !== response.balance || first.position !== response.position) {
        problem(`${name}: two accepted answers disagree (${first.position} vs ${response.position})`);
      }
      const originals = tracked.responses.filter(
        (answer) => answer.status === 'accepted' && !answer.replayed,
      );
      if (originals.length > 1)
        problem(`${name}: applied ${originals.length} times (replayed: false more than once)`);
    }
  };

  return { check, problems: () => [...problems], problemCount: () => problemCount };
};

/** An accepted answer or a refusal that will not change if the request is sent again. */
export const isFinal = (answer: DeviceResponse): boolean =>
  answer.status === 'accepted' || !transientCodes.has(answer.code ?? '');

/** The answer that counts for a request: its first final answer (an accepted or a non-transient refusal). */
export const outcomeOf = (tracked: TrackedRequest): DeviceResponse | undefined =>
  tracked.responses.find(isFinal) ?? tracked.responses[0];

export const addToTally = (tally: Map<string, Money>, key: string, amount: string) =>
  tally.set(key, (tally.get(key) ?? money('0')).plus(amount));

export const tallyToRecord = (tally: Map<string, Money>): Record<string, string> =>
  Object.fromEntries([...tally].map(([key, value]) => [key, formatMoney(value)]));
