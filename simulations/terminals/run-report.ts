import type { Money } from '../../ledger-core/index.ts';
import type { Fleet } from './fleet.ts';
import { type LatencySummary, summarizeLatencies } from './latency.ts';
import { addToTally, outcomeOf, tallyToRecord } from './response-check.ts';

export type TerminalRunReport = {
  terminals: number;
  requests: number;
  sends: number;
  responses: number;
  byStatus: { accepted: number; rejected: number };
  byCode: Record<string, number>;
  duplicatesInjected: number;
  resends: number;
  offlineQueued: number;
  /** Charges a terminal refused while offline because the card was on the pushed lost-card list. */
  offlineRefusedLostCards: number;
  missingResponses: number;
  /** Answers beyond one per send. */
  extraResponses: number;
  problems: string[];
  problemCount: number;
  /** From the first send of an online charge to its first answer. */
  latencyMs: LatencySummary;
  durationMs: number;
  /** Requests with a final answer per second, from the first arrival to the last final answer. */
  answeredPerSecond: number;
  /** Sum of accepted charges by card number, to compare with the ledger. */
  acceptedByCard: Record<string, string>;
  /** The next seq of each terminal, to continue in a later run. */
  nextSeqs: Record<string, number>;
};

const maxStraysReported = 10;

export const buildRunReport = (
  fleet: Fleet,
  run: { startedAt: number; endedAt: number; firstSeqs: Record<string, number> | undefined },
): TerminalRunReport => {
  const byStatus = { accepted: 0, rejected: 0 };
  const byCode: Record<string, number> = {};
  const acceptedByCard = new Map<string, Money>();
  const nextSeqs: Record<string, number> = Object.fromEntries(
    fleet.members.map(({ terminal }) => [terminal.deviceId, run.firstSeqs?.[terminal.deviceId] ?? 1]),
  );
  let responses = 0;
  let missingResponses = 0;
  let extraResponses = 0;
  for (const { member, item } of fleet.items) {
    const tracked = member.terminal.tracked(item.seq);
    nextSeqs[item.deviceId] = Math.max(nextSeqs[item.deviceId] ?? 1, item.seq + 1);
    const answers = tracked?.responses.length ?? 0;
    responses += answers;
    extraResponses += Math.max(0, answers - (tracked?.sends ?? 0));
    const outcome = tracked ? outcomeOf(tracked) : undefined;
    if (!outcome) {
      missingResponses += 1;
      continue;
    }
    byStatus[outcome.status] += 1;
    const code = outcome.code ?? 'ok';
    byCode[code] = (byCode[code] ?? 0) + 1;
    if (outcome.status === 'accepted') addToTally(acceptedByCard, item.cardNo, item.amount);
  }
  const strays = fleet.members.flatMap(({ terminal }) => terminal.strayResponses());
  const answered = fleet.items.length - missingResponses;
  return {
    terminals: fleet.members.length,
    requests: fleet.items.length,
    sends: fleet.counts.sends,
    responses,
    byStatus,
    byCode,
    duplicatesInjected: fleet.counts.duplicates,
    resends: fleet.counts.resends,
    offlineQueued: fleet.counts.offlineQueued,
    offlineRefusedLostCards: fleet.counts.offlineRefused,
    missingResponses,
    extraResponses,
    problems: [
      ...strays.slice(0, maxStraysReported).map((stray) => `unmatched answer ${JSON.stringify(stray)}`),
      ...fleet.checker.problems(),
    ],
    problemCount: fleet.checker.problemCount() + strays.length,
    latencyMs: summarizeLatencies(fleet.latencies),
    durationMs: Math.round(run.endedAt - run.startedAt),
    answeredPerSecond: Math.round(
      (answered / Math.max(1, fleet.times.lastFinalAnswerAt - run.startedAt)) * 1_000,
    ),
    acceptedByCard: tallyToRecord(acceptedByCard),
    nextSeqs,
  };
};
