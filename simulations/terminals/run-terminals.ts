import { createFleet, type Fleet } from './fleet.ts';
import { createRandom } from './random.ts';
import { buildRunReport, type TerminalRunReport } from './run-report.ts';
import { connectTerminal, type TerminalCredentials } from './terminal.ts';

// N terminals charging a population of cards: Poisson arrivals (or as fast as each terminal's window
// allows), optional duplicate sends, optional offline periods whose queued charges are uploaded on
// reconnect (shuffled), resends after a timeout as a real terminal does, and a check of every answer.

export type { TerminalRunReport } from './run-report.ts';

export type OfflinePeriod = { deviceId: string; startMs: number; durationMs: number };

export type RunTerminalsOptions = {
  mqttUrl: string;
  topicPrefix?: string;
  mqttProtocolVersion?: 4 | 5;
  terminals: TerminalCredentials[];
  cards: string[];
  /** Arrivals per second over all terminals; 'max' keeps every terminal's window full. */
  ratePerSecond: number | 'max';
  /** Arrivals stop after this long or after `requestCount` charges, whichever comes first. */
  durationMs?: number;
  requestCount?: number;
  /** Arrivals start this long after the terminals connected (lets retained pushes reach them first). */
  warmUpMs?: number;
  amountFen?: { min: number; max: number };
  /** Send a charge twice with this probability, and (given twice) a third time with the second one. */
  duplicates?: { probability: number; thirdCopyProbability?: number };
  offlinePeriods?: OfflinePeriod[];
  shuffleOfflineUploads?: boolean;
  /** Online charges one terminal has sent and not yet had answered. */
  maxOutstandingPerTerminal?: number;
  /** Offline charges one terminal uploads at once after reconnecting. */
  maxOutstandingUploads?: number;
  responseTimeoutMs?: number;
  maxResends?: number;
  /** After the last arrival, how long to wait for the outstanding answers. */
  drainTimeoutMs?: number;
  seed?: number;
  firstSeqs?: Record<string, number>;
  /** Ends the run early, as its duration would: no new arrivals, outstanding answers drained. */
  stopSignal?: AbortSignal;
};

const defaults = {
  maxOutstandingPerTerminal: 4,
  maxOutstandingUploads: 200,
  responseTimeoutMs: 3_000,
  maxResends: 10,
  drainTimeoutMs: 10_000,
  amountFen: { min: 100, max: 2_000 },
} as const;
const tickMs = 1;
const drainTickMs = 5;
/** Once every request has its final answer, stop waiting for answers to extra sends after this long. */
const quietMs = 1_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Period = OfflinePeriod & { phase: 'pending' | 'offline' | 'done' };

const followOfflineSchedule = async (
  fleet: Fleet,
  periods: Period[],
  elapsedMs: number,
  inOrder: boolean,
) => {
  for (const period of periods) {
    const member = fleet.memberOf(period.deviceId);
    if (period.phase === 'pending' && elapsedMs >= period.startMs) {
      period.phase = 'offline';
      fleet.cutOff(member);
    } else if (period.phase === 'offline' && elapsedMs >= period.startMs + period.durationMs) {
      period.phase = 'done';
      await fleet.comeBack(member, inOrder);
    }
  }
};

export const runTerminals = async (options: RunTerminalsOptions): Promise<TerminalRunReport> => {
  if (options.durationMs === undefined && options.requestCount === undefined) {
    throw new Error('runTerminals needs durationMs or requestCount');
  }
  const random = createRandom(options.seed ?? 1);
  const terminals = await Promise.all(
    options.terminals.map((credentials) =>
      connectTerminal({
        mqttUrl: options.mqttUrl,
        credentials,
        ...(options.topicPrefix ? { topicPrefix: options.topicPrefix } : {}),
        ...(options.mqttProtocolVersion ? { mqttProtocolVersion: options.mqttProtocolVersion } : {}),
        ...(options.firstSeqs?.[credentials.deviceId]
          ? { firstSeq: options.firstSeqs[credentials.deviceId] }
          : {}),
      }),
    ),
  );
  const fleet = createFleet(terminals, {
    cards: options.cards,
    amountFen: options.amountFen ?? defaults.amountFen,
    duplicates: options.duplicates,
    window: options.maxOutstandingPerTerminal ?? defaults.maxOutstandingPerTerminal,
    uploadWindow: options.maxOutstandingUploads ?? defaults.maxOutstandingUploads,
    responseTimeoutMs: options.responseTimeoutMs ?? defaults.responseTimeoutMs,
    maxResends: options.maxResends ?? defaults.maxResends,
    random,
  });
  const periods: Period[] = (options.offlinePeriods ?? []).map((period) => ({ ...period, phase: 'pending' }));
  const inOrder = options.shuffleOfflineUploads === false;

  if (options.warmUpMs) await sleep(options.warmUpMs);
  const startedAt = performance.now();
  const limitReached = (elapsedMs: number) =>
    options.stopSignal?.aborted === true ||
    (options.requestCount !== undefined && fleet.items.length >= options.requestCount) ||
    (options.durationMs !== undefined && elapsedMs >= options.durationMs);
  let nextArrivalMs = options.ratePerSecond === 'max' ? 0 : random.exponentialMs(options.ratePerSecond);
  for (;;) {
    const elapsedMs = performance.now() - startedAt;
    await followOfflineSchedule(fleet, periods, elapsedMs, inOrder);
    if (limitReached(elapsedMs)) break;
    if (options.ratePerSecond === 'max') {
      for (const member of fleet.members) {
        while (fleet.hasRoom(member) && !limitReached(elapsedMs)) fleet.arrive(member);
      }
    } else {
      while (nextArrivalMs <= elapsedMs && !limitReached(elapsedMs)) {
        fleet.arrive(random.pick(fleet.members));
        nextArrivalMs += random.exponentialMs(options.ratePerSecond);
      }
    }
    fleet.resendOverdue(performance.now());
    await sleep(tickMs);
  }

  // Done when every request has its final answer and every send its answer; an answer to a send the
  // broker lost in a restart never comes, so after `quietMs` without any answer the run stops waiting.
  const drainDeadline = performance.now() + (options.drainTimeoutMs ?? defaults.drainTimeoutMs);
  for (;;) {
    const now = performance.now();
    if (now >= drainDeadline) break;
    const finished = periods.every((period) => period.phase === 'done') && fleet.idle();
    if (finished && (fleet.everySendAnswered() || now - fleet.times.lastAnswerAt > quietMs)) break;
    await followOfflineSchedule(fleet, periods, now - startedAt, inOrder);
    fleet.resendOverdue(now);
    await sleep(drainTickMs);
  }
  const endedAt = performance.now();
  await Promise.all(terminals.map((terminal) => terminal.close()));
  return buildRunReport(fleet, { startedAt, endedAt, firstSeqs: options.firstSeqs });
};
