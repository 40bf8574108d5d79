import type { DeviceResponse, UnsignedDeviceRequest } from '../../device-gateway/index.ts';
import {
  connectTerminal,
  createRandom,
  type Terminal,
  type TerminalCredentials,
} from '../terminals/index.ts';

// The campus terminals of one run: real MQTT clients, each with its seq counter. A terminal can be
// planned offline for a window of the run: charges made there are queued as offline requests and
// uploaded, shuffled, when it reconnects; anything else waits for it to be back.

export type OfflineWindow = { deviceId: string; startMs: number; endMs: number };

export type Asked = { seq: number; response: DeviceResponse | undefined; latencyMs: number; sends: number };

export type FleetOptions = {
  mqttUrl: string;
  topicPrefix: string;
  mqttProtocolVersion: 4 | 5;
  credentials: TerminalCredentials[];
  offlineWindows: OfflineWindow[];
  seed: number;
  /** A terminal resends a request it has no answer to after this long, like a real POS. */
  responseTimeoutMs?: number;
  maxResends?: number;
  /** Ceiling on first sends per second over the whole fleet (resends are not held back). */
  maxRequestsPerSecond?: number;
};

export type Fleet = {
  /** Whether the planned window of the terminal covers this moment of the run. */
  plannedOffline: (deviceId: string, runMs: number) => boolean;
  waitUntilOnline: (deviceId: string) => Promise<void>;
  ask: (
    deviceId: string,
    request: DistributiveOmit<UnsignedDeviceRequest, 'seq'>,
    copies: number,
  ) => Promise<Asked>;
  askOffline: (deviceId: string, request: DistributiveOmit<UnsignedDeviceRequest, 'seq'>) => Promise<Asked>;
  /** Cuts terminals off and brings them back on the planned schedule, counted from `runStart`. */
  runWindows: (runStart: number) => Promise<void>;
  lostCardsSeenBy: (deviceId: string) => ReadonlySet<string>;
  terminals: () => Terminal[];
  close: () => Promise<void>;
};

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

const defaultResponseTimeoutMs = 3_000;
const defaultMaxResends = 20;
const fleetConnectConcurrency = 16;

export const connectFleet = async (options: FleetOptions): Promise<Fleet> => {
  const responseTimeoutMs = options.responseTimeoutMs ?? defaultResponseTimeoutMs;
  const maxResends = options.maxResends ?? defaultMaxResends;
  const random = createRandom(options.seed);
  const terminals = new Map<string, Terminal>();
  for (let start = 0; start < options.credentials.length; start += fleetConnectConcurrency) {
    const batch = options.credentials.slice(start, start + fleetConnectConcurrency);
    const connected = await Promise.all(
      batch.map((credentials) =>
        connectTerminal({
          mqttUrl: options.mqttUrl,
          credentials,
          topicPrefix: options.topicPrefix,
          mqttProtocolVersion: options.mqttProtocolVersion,
        }),
      ),
    );
    for (const terminal of connected) terminals.set(terminal.deviceId, terminal);
  }
  let nextSendSlot = 0;
  /** Spaces first sends `1/maxRequestsPerSecond` apart when a ceiling is set. */
  const takeSendSlot = async () => {
    if (options.maxRequestsPerSecond === undefined) return;
    const now = performance.now();
    nextSendSlot = Math.max(nextSendSlot, now) + 1_000 / options.maxRequestsPerSecond;
    const wait = nextSendSlot - now - 1_000 / options.maxRequestsPerSecond;
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  };
  const windows = new Map(options.offlineWindows.map((window) => [window.deviceId, window]));
  const backOnline = new Map<string, { promise: Promise<void>; resolve: () => void }>();
  const uploads = new Map<string, Array<() => void>>();
  for (const window of options.offlineWindows) {
    let resolve: () => void = () => undefined;
    const promise = new Promise<void>((done) => {
      resolve = done;
    });
    backOnline.set(window.deviceId, { promise, resolve });
    uploads.set(window.deviceId, []);
  }

  const terminalOf = (deviceId: string): Terminal => {
    const terminal = terminals.get(deviceId);
    if (!terminal) throw new Error(`no terminal ${deviceId} in the fleet`);
    return terminal;
  };

  /** Sends until answered (resending after silence, as a POS does), up to `maxResends` resends. */
  const deliver = async (
    terminal: Terminal,
    seq: number,
    payload: string,
    copies: number,
  ): Promise<Asked> => {
    await takeSendSlot();
    const startedAt = performance.now();
    for (let copy = 0; copy < copies; copy += 1) terminal.send(seq, payload);
    let sends = copies;
    let response = await terminal.firstResponse(seq, responseTimeoutMs);
    while (!response && sends - copies < maxResends) {
      terminal.send(seq, payload);
      sends += 1;
      response = await terminal.firstResponse(seq, responseTimeoutMs);
    }
    return { seq, response, latencyMs: performance.now() - startedAt, sends };
  };

  return {
    plannedOffline: (deviceId, runMs) => {
      const window = windows.get(deviceId);
      return window !== undefined && runMs >= window.startMs && runMs < window.endMs;
    },
    waitUntilOnline: async (deviceId) => {
      await backOnline.get(deviceId)?.promise;
    },
    ask: async (deviceId, request, copies) => {
      const terminal = terminalOf(deviceId);
      const seq = terminal.allocateSeq();
      return deliver(terminal, seq, terminal.sign({ ...request, seq } as UnsignedDeviceRequest), copies);
    },
    askOffline: (deviceId, request) => {
      const terminal = terminalOf(deviceId);
      const seq = terminal.allocateSeq();
      const payload = terminal.sign({ ...request, seq, offline: true } as UnsignedDeviceRequest);
      return new Promise<Asked>((resolve, reject) => {
        const upload = () => deliver(terminal, seq, payload, 1).then(resolve, reject);
        const queue = uploads.get(deviceId);
        if (queue) queue.push(upload);
        else void upload();
      });
    },
    runWindows: async (runStart) => {
      const sleepUntil = (runMs: number) =>
        new Promise((resolve) => setTimeout(resolve, Math.max(0, runStart + runMs - performance.now())));
      await Promise.all(
        options.offlineWindows.map(async (window) => {
          const terminal = terminalOf(window.deviceId);
          await sleepUntil(window.startMs);
          terminal.cutOff();
          await sleepUntil(window.endMs);
          await terminal.reconnect();
          const queued = random.shuffle(uploads.get(window.deviceId) ?? []);
          uploads.delete(window.deviceId);
          for (const upload of queued) upload();
          backOnline.get(window.deviceId)?.resolve();
        }),
      );
    },
    lostCardsSeenBy: (deviceId) => terminalOf(deviceId).lostCards(),
    terminals: () => [...terminals.values()],
    close: async () => {
      await Promise.all([...terminals.values()].map((terminal) => terminal.close()));
    },
  };
};
