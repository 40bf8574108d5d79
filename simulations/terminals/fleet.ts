import { formatMoney, fromFen } from '../../ledger-core/index.ts';
import type { Random } from './random.ts';
import { createResponseChecker, isFinal, type SimulatedCharge } from './response-check.ts';
import type { Terminal } from './terminal.ts';

// The terminals of a run as a real till behaves: each makes its charges, keeps at most `window` of them
// unanswered (and `uploadWindow` offline uploads), sends a request again when its answer is overdue, and
// while cut off queues charges as offline sales to upload on reconnect. Every answer is checked.

/** Overdue answers are looked for this often, not on every tick: the scan covers every outstanding request. */
const resendCheckIntervalMs = 50;

export type FleetItem = SimulatedCharge & { payload: string; copies: number };

export type FleetTerminal = {
  terminal: Terminal;
  queue: FleetItem[];
  outstanding: Map<number, FleetItem>;
  uploads: FleetItem[];
  offline: boolean;
  offlineBuffer: FleetItem[];
};

export type FleetOptions = {
  cards: string[];
  amountFen: { min: number; max: number };
  duplicates: { probability: number; thirdCopyProbability?: number } | undefined;
  window: number;
  uploadWindow: number;
  responseTimeoutMs: number;
  maxResends: number;
  random: Random;
};

export type Fleet = ReturnType<typeof createFleet>;

export const createFleet = (terminals: Terminal[], options: FleetOptions) => {
  const { random } = options;
  const members: FleetTerminal[] = terminals.map((terminal) => ({
    terminal,
    queue: [],
    outstanding: new Map(),
    uploads: [],
    offline: false,
    offlineBuffer: [],
  }));
  const byDevice = new Map(members.map((member) => [member.terminal.deviceId, member]));
  const items: Array<{ member: FleetTerminal; item: FleetItem }> = [];
  const itemsByKey = new Map<string, FleetItem>();
  const latencies: number[] = [];
  const checker = createResponseChecker();
  const counts = { sends: 0, duplicates: 0, resends: 0, offlineQueued: 0, offlineRefused: 0 };
  const times = {
    lastAnswerAt: performance.now(),
    lastFinalAnswerAt: performance.now(),
    lastResendCheckAt: performance.now(),
  };
  const keyOf = (deviceId: string, seq: number) => `${deviceId}/${seq}`;

  const transmit = (member: FleetTerminal, item: FleetItem, copies: number) => {
    for (let copy = 0; copy < copies; copy += 1) member.terminal.send(item.seq, item.payload);
    counts.sends += copies;
  };

  const pump = (member: FleetTerminal) => {
    if (member.offline) return;
    let uploading = 0;
    for (const item of member.outstanding.values()) if (item.offline) uploading += 1;
    const start = (item: FleetItem) => {
      member.outstanding.set(item.seq, item);
      transmit(member, item, item.copies);
    };
    while (member.uploads.length > 0 && uploading < options.uploadWindow) {
      start(member.uploads.shift() as FleetItem);
      uploading += 1;
    }
    while (member.queue.length > 0 && member.outstanding.size - uploading < options.window) {
      start(member.queue.shift() as FleetItem);
    }
  };

  for (const member of members) {
    member.terminal.onResponse((response) => {
      if (response.seq === null) return;
      const item = itemsByKey.get(keyOf(member.terminal.deviceId, response.seq));
      const tracked = member.terminal.tracked(response.seq);
      if (!item || !tracked) return;
      checker.check(item, tracked, response);
      times.lastAnswerAt = performance.now();
      if (isFinal(response) && tracked.responses.filter(isFinal).length === 1) {
        times.lastFinalAnswerAt = times.lastAnswerAt;
      }
      if (tracked.responses.length === 1 && !item.offline && tracked.firstResponseAt !== undefined) {
        latencies.push(tracked.firstResponseAt - tracked.firstSentAt);
      }
      // A transient refusal is no answer: the request stays outstanding and is sent again when overdue.
      if (isFinal(response) && member.outstanding.delete(item.seq)) pump(member);
    });
  }

  const makeCharge = (member: FleetTerminal): FleetItem | undefined => {
    const cardNo = random.pick(options.cards);
    const offline = member.offline;
    if (offline && member.terminal.lostCards().has(cardNo)) {
      counts.offlineRefused += 1;
      return undefined;
    }
    const seq = member.terminal.allocateSeq();
    const amount = formatMoney(fromFen(BigInt(random.integer(options.amountFen.min, options.amountFen.max))));
    const payload = member.terminal.sign({
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
    const item: FleetItem = {
      deviceId: member.terminal.deviceId,
      seq,
      cardNo,
      amount,
      offline,
      payload,
      copies,
    };
    itemsByKey.set(keyOf(item.deviceId, seq), item);
    items.push({ member, item });
    return item;
  };

  return {
    members,
    items,
    latencies,
    checker,
    counts,
    times,
    memberOf: (deviceId: string) => {
      const member = byDevice.get(deviceId);
      if (!member) throw new Error(`no terminal ${deviceId} in this run`);
      return member;
    },
    /** A customer at this terminal: a charge, sent now or queued as an offline sale. */
    arrive: (member: FleetTerminal) => {
      const item = makeCharge(member);
      if (!item) return;
      if (member.offline) {
        counts.offlineQueued += 1;
        member.offlineBuffer.push(item);
      } else {
        member.queue.push(item);
        pump(member);
      }
    },
    /** Whether a terminal in 'max' mode has room for another charge right now. */
    hasRoom: (member: FleetTerminal) =>
      !member.offline && member.queue.length === 0 && member.outstanding.size < options.window,
    /** Sends overdue requests again; looks at most every `resendCheckIntervalMs`. */
    resendOverdue: (now: number) => {
      if (now - times.lastResendCheckAt < resendCheckIntervalMs) return;
      times.lastResendCheckAt = now;
      for (const member of members) {
        if (member.offline || !member.terminal.isConnected()) continue;
        for (const item of member.outstanding.values()) {
          const tracked = member.terminal.tracked(item.seq);
          if (!tracked || now - tracked.lastSentAt < options.responseTimeoutMs) continue;
          if (tracked.sends > options.maxResends + item.copies) continue;
          transmit(member, item, 1);
          counts.resends += 1;
        }
      }
    },
    cutOff: (member: FleetTerminal) => {
      member.offline = true;
      member.terminal.cutOff();
    },
    /** Reconnects and uploads the offline sales, in random order unless `inOrder`. */
    comeBack: async (member: FleetTerminal, inOrder: boolean) => {
      await member.terminal.reconnect();
      member.offline = false;
      member.uploads.push(...(inOrder ? member.offlineBuffer : random.shuffle(member.offlineBuffer)));
      member.offlineBuffer = [];
      pump(member);
    },
    idle: () =>
      members.every(
        (member) => member.queue.length === 0 && member.uploads.length === 0 && member.outstanding.size === 0,
      ),
    everySendAnswered: () =>
      items.every(({ member, item }) => {
        const tracked = member.terminal.tracked(item.seq);
        return (tracked?.responses.length ?? 0) >= (tracked?.sends ?? 0);
      }),
  };
};
