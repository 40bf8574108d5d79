import { formatMoney, fromFen, type Money } from '../../ledger-core/index.ts';
import { type LatencySummary, summarizeLatencies } from './latency.ts';
import { createRandom } from './random.ts';
import {
  addToTally,
  createResponseChecker,
  isFinal,
  outcomeOf,
  type SimulatedCharge,
  tallyToRecord,
} from './response-check.ts';
import { connectTerminal, type Terminal, type TerminalCredentials } from './terminal.ts';

// N terminals charging a population of cards: Poisson arrivals (or as fast as each terminal's window
// allows), optional duplicate sends, optional offline periods whose queued charges are uploaded on
// reconnect (shuffled), resends after a timeout as a real terminal does, and a check of every answer.

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
};

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
  latencyMs: LatencySummary;
  durationMs: number;
  /** Requests with a final answer per second, from the first arrival to the last final answer. */
  answeredPerSecond: number;
  /** Sum of accepted charges by card number, to compare with the ledger. */
  acceptedByCard: Record<string, string>;
  /** The next seq of each terminal, to continue in a later run. */
  nextSeqs: Record<string, number>;
};

type Item = SimulatedCharge & { payload: string; copies: number };
type TerminalState = {
  terminal: Terminal;
  queue: Item[];
  outstanding: Map<number, Item>;
  uploads: Item[];
  offline: boolean;
  offlineBuffer: Item[];
};

const tickMs = 1;
/** Once every request has its final answer, stop waiting for answers to extra sends after this long. */
const quietMs = 1_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const runTerminals = async (options: RunTerminalsOptions): Promise<TerminalRunReport> => {
  if (options.durationMs === undefined && options.requestCount === undefined) {
    throw new Error('runTerminals needs durationMs or requestCount');
  }
  const random = createRandom(options.seed ?? 1);
  const window = options.maxOutstandingPerTerminal ?? 4;
  const uploadWindow = options.maxOutstandingUploads ?? 200;
  const responseTimeoutMs = options.responseTimeoutMs ?? 3_000;
  const maxResends = options.maxResends ?? 10;
  const amountFen = options.amountFen ?? { min: 100, max: 2_000 };
  const checker = createResponseChecker();
  const all: Array<{ state: TerminalState; item: Item }> = [];
  const latencies: number[] = [];
  const counts = { sends: 0, duplicates: 0, resends: 0, offlineQueued: 0, offlineRefused: 0 };

  const states = await Promise.all(
    options.terminals.map(async (credentials): Promise<TerminalState> => {
      const terminal = await connectTerminal({
        mqttUrl: options.mqttUrl,
        credentials,
        ...(options.topicPrefix ? { topicPrefix: options.topicPrefix } : {}),
        ...(options.mqttProtocolVersion ? { mqttProtocolVersion: options.mqttProtocolVersion } : {}),
        ...(options.firstSeqs?.[credentials.deviceId]
          ? { firstSeq: options.firstSeqs[credentials.deviceId] }
          : {}),
      });
      return { terminal, queue: [], outstanding: new Map(), uploads: [], offline: false, offlineBuffer: [] };
    }),
  );
  const byDevice = new Map(states.map((state) => [state.terminal.deviceId, state]));

  const transmit = (state: TerminalState, item: Item, copies: number) => {
    for (let copy = 0; copy < copies; copy += 1) state.terminal.send(item.seq, item.payload);
    counts.sends += copies;
  };

  const pump = (state: TerminalState) => {
    if (state.offline) return;
    let uploading = 0;
    for (const item of state.outstanding.values()) if (item.offline) uploading += 1;
    while (state.uploads.length > 0 && uploading < uploadWindow) {
      const item = state.uploads.shift() as Item;
      state.outstanding.set(item.seq, item);
      uploading += 1;
      transmit(state, item, item.copies);
    }
    while (state.queue.length > 0 && state.outstanding.size - uploading < window) {
      const item = state.queue.shift() as Item;
      state.outstanding.set(item.seq, item);
      transmit(state, item, item.copies);
    }
  };

  const itemsBySeq = new Map<string, Item>();
  let lastAnswerAt = performance.now();
  let lastFinalAnswerAt = performance.now();
  const keyOf = (deviceId: string, seq: number) => `${deviceId}/${seq}`;
  for (const state of states) {
    state.terminal.onResponse((response) => {
      if (response.seq === null) return;
      const item = itemsBySeq.get(keyOf(state.terminal.deviceId, response.seq));
      const tracked = state.terminal.tracked(response.seq);
      if (!item || !tracked) return;
      checker.check(item, tracked, response);
      lastAnswerAt = performance.now();
      if (isFinal(response) && tracked.responses.filter(isFinal).length === 1)
        lastFinalAnswerAt = lastAnswerAt;
      if (tracked.responses.length === 1 && !item.offline && tracked.firstResponseAt !== undefined) {
        latencies.push(tracked.firstResponseAt - tracked.firstSentAt);
      }
      // A transient refusal is no answer: the request stays outstanding and is sent again after the timeout.
      if (isFinal(response) && state.outstanding.delete(item.seq)) pump(state);
    });
  }

  const makeCharge = (state: TerminalState): Item | undefined => {
    const cardNo = random.pick(options.cards);
    const offline = state.offline;
    if (offline && state.terminal.lostCards().has(cardNo)) {
      counts.offlineRefused += 1;
      return undefined;
    }
    const seq = state.terminal.allocateSeq();
    const amount = formatMoney(fromFen(BigInt(random.integer(amountFen.min, amountFen.max))));
    const payload = state.terminal.sign({
      seq,
      type: 'charge',
      cardNo,
      amount,
      occurredAt: new Date().toISOString(),
      ...(offline ? { offline: true } : {}),
    });
    let copies = 1;
    if (options.duplicates && random.fraction() < options.duplicates.probability) {
      copies = random.fraction() < (options.duplicates.thirdCopyProbability ?? 0) ? 3 : 2;
    }
    counts.duplicates += copies - 1;
    const item: Item = { deviceId: state.terminal.deviceId, seq, cardNo, amount, offline, payload, copies };
    itemsBySeq.set(keyOf(item.deviceId, seq), item);
    all.push({ state, item });
    return item;
  };

  const arrive = (state: TerminalState) => {
    const item = makeCharge(state);
    if (!item) return;
    if (state.offline) {
      counts.offlineQueued += 1;
      state.offlineBuffer.push(item);
    } else {
      state.queue.push(item);
      pump(state);
    }
  };

  const resendOverdue = (now: number) => {
    for (const state of states) {
      if (state.offline || !state.terminal.isConnected()) continue;
      for (const item of state.outstanding.values()) {
        const tracked = state.terminal.tracked(item.seq);
        if (
          !tracked ||
          now - tracked.lastSentAt < responseTimeoutMs ||
          tracked.sends > maxResends + item.copies
        )
          continue;
        transmit(state, item, 1);
        counts.resends += 1;
      }
    }
  };

  const periods = (options.offlinePeriods ?? []).map((period) => ({
    ...period,
    phase: 'pending' as 'pending' | 'offline' | 'done',
  }));
  const runOfflineSchedule = async (elapsedMs: number) => {
    for (const period of periods) {
      const state = byDevice.get(period.deviceId);
      if (!state) throw new Error(`offline period for unknown terminal ${period.deviceId}`);
      if (period.phase === 'pending' && elapsedMs >= period.startMs) {
        period.phase = 'offline';
        state.offline = true;
        state.terminal.cutOff();
      } else if (period.phase === 'offline' && elapsedMs >= period.startMs + period.durationMs) {
        period.phase = 'done';
        await state.terminal.reconnect();
        state.offline = false;
        const upload =
          options.shuffleOfflineUploads === false ? state.offlineBuffer : random.shuffle(state.offlineBuffer);
        state.uploads.push(...upload);
        state.offlineBuffer = [];
        pump(state);
      }
    }
  };

  if (options.warmUpMs) await sleep(options.warmUpMs);
  const startedAt = performance.now();
  const limitReached = (elapsedMs: number) =>
    (options.requestCount !== undefined && all.length >= options.requestCount) ||
    (options.durationMs !== undefined && elapsedMs >= options.durationMs);
  let nextArrivalMs = options.ratePerSecond === 'max' ? 0 : random.exponentialMs(options.ratePerSecond);
  for (;;) {
    const elapsedMs = performance.now() - startedAt;
    await runOfflineSchedule(elapsedMs);
    if (limitReached(elapsedMs)) break;
    if (options.ratePerSecond === 'max') {
      for (const state of states) {
        while (
          !state.offline &&
          state.queue.length === 0 &&
          state.outstanding.size < window &&
          !limitReached(elapsedMs)
        ) {
          arrive(state);
        }
      }
    } else {
      while (nextArrivalMs <= elapsedMs && !limitReached(elapsedMs)) {
        arrive(random.pick(states));
        nextArrivalMs += random.exponentialMs(options.ratePerSecond);
      }
    }
    resendOverdue(performance.now());
    await sleep(tickMs);
  }

  // Done when every request has its final answer and every send its answer; an answer to a send the
  // broker lost in a restart never comes, so after `quietMs` without any answer the run stops waiting.
  const finished = () =>
    periods.every((period) => period.phase === 'done') &&
    states.every(
      (state) => state.queue.length === 0 && state.uploads.length === 0 && state.outstanding.size === 0,
    );
  const everySendAnswered = () =>
    all.every(({ state, item }) => {
      const tracked = state.terminal.tracked(item.seq);
      return (tracked?.responses.length ?? 0) >= (tracked?.sends ?? 0);
    });
  const drainDeadline = performance.now() + (options.drainTimeoutMs ?? 10_000);
  for (;;) {
    const now = performance.now();
    if (now >= drainDeadline) break;
    if (finished() && (everySendAnswered() || now - lastAnswerAt > quietMs)) break;
    await runOfflineSchedule(now - startedAt);
    resendOverdue(now);
    await sleep(5);
  }
  const durationMs = performance.now() - startedAt;
  await Promise.all(states.map((state) => state.terminal.close()));

  const byStatus = { accepted: 0, rejected: 0 };
  const byCode: Record<string, number> = {};
  const acceptedByCard = new Map<string, Money>();
  const nextSeqs: Record<string, number> = Object.fromEntries(
    states.map((state) => [state.terminal.deviceId, options.firstSeqs?.[state.terminal.deviceId] ?? 1]),
  );
  let responses = 0;
  let missingResponses = 0;
  let extraResponses = 0;
  for (const { state, item } of all) {
    const tracked = state.terminal.tracked(item.seq);
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
  const strays = states.flatMap((state) => state.terminal.strayResponses());
  const problems = [
    ...strays.slice(0, 10).map((stray) => `unmatched answer ${JSON.stringify(stray)}`),
    ...checker.problems(),
  ];
  return {
    terminals: states.length,
    requests: all.length,
    sends: counts.sends,
    responses,
    byStatus,
    byCode,
    duplicatesInjected: counts.duplicates,
    resends: counts.resends,
    offlineQueued: counts.offlineQueued,
    offlineRefusedLostCards: counts.offlineRefused,
    missingResponses,
    extraResponses,
    problems,
    problemCount: checker.problemCount() + strays.length,
    latencyMs: summarizeLatencies(latencies),
    durationMs: Math.round(durationMs),
    answeredPerSecond: Math.round(
      ((all.length - missingResponses) / Math.max(1, lastFinalAnswerAt - startedAt)) * 1_000,
    ),
    acceptedByCard: tallyToRecord(acceptedByCard),
    nextSeqs,
  };
};
