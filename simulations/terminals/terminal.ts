import { randomBytes } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import {
  type DeviceResponse,
  defaultTopicPrefix,
  deviceResponseSchema,
  deviceTopic,
  lostCardsTopic,
  sendWithoutDelay,
  type UnsignedDeviceRequest,
} from '../../device-gateway/index.ts';
import { signDevicePayload } from '../../ledger-core/index.ts';

// One simulated POS terminal or kiosk on the real MQTT client: its own device id, secret and seq
// counter, retained presence with a Last Will, and every response kept by seq so a run can check that
// each send got exactly one answer.

export type TerminalCredentials = { deviceId: string; secret: string };

export type TerminalOptions = {
  mqttUrl: string;
  credentials: TerminalCredentials;
  topicPrefix?: string;
  /** The seq of the first new request (a terminal keeps counting across runs). */
  firstSeq?: number;
  mqttProtocolVersion?: 4 | 5;
};

export type TrackedRequest = {
  seq: number;
  payload: string;
  sends: number;
  firstSentAt: number;
  lastSentAt: number;
  responses: DeviceResponse[];
  firstResponseAt?: number;
};

export type Terminal = {
  readonly deviceId: string;
  allocateSeq: () => number;
  /** Signs a request; the returned payload is what is sent, and sent again unchanged on a resend. */
  sign: (request: UnsignedDeviceRequest) => string;
  /** Publishes a signed request once more (the first call tracks it). */
  send: (seq: number, payload: string) => void;
  /** Signs and sends a request `copies` times; resolves with the first response. */
  request: (request: UnsignedDeviceRequest, copies?: number) => Promise<DeviceResponse>;
  /** Resolves with the first response to `seq`, or undefined after `timeoutMs`. */
  firstResponse: (seq: number, timeoutMs: number) => Promise<DeviceResponse | undefined>;
  tracked: (seq: number) => TrackedRequest | undefined;
  allTracked: () => TrackedRequest[];
  /** Responses whose seq could not be matched to a request of ours. */
  strayResponses: () => DeviceResponse[];
  publishRaw: (topic: string, payload: string | Buffer) => Promise<void>;
  lostCards: () => ReadonlySet<string>;
  config: () => unknown;
  /** Drops the connection as a network failure would: no DISCONNECT, so the broker sends the Will. */
  cutOff: () => void;
  reconnect: () => Promise<void>;
  isConnected: () => boolean;
  onResponse: (listener: (response: DeviceResponse) => void) => void;
  close: () => Promise<void>;
};

const reconnectPeriodMs = 250;
/** How long `request` waits for the first answer before giving up. */
const requestAnswerTimeoutMs = 10_000;
const sessionExpirySeconds = 300;

export const connectTerminal = async (options: TerminalOptions): Promise<Terminal> => {
  const prefix = options.topicPrefix ?? defaultTopicPrefix;
  const { deviceId, secret } = options.credentials;
  const protocolVersion = options.mqttProtocolVersion ?? 5;
  const presenceTopic = deviceTopic(prefix, deviceId, 'presence');
  const requestsTopic = deviceTopic(prefix, deviceId, 'requests');
  const responsesTopic = deviceTopic(prefix, deviceId, 'responses');
  const configTopic = deviceTopic(prefix, deviceId, 'config');
  let nextSeq = options.firstSeq ?? 1;
  const requests = new Map<number, TrackedRequest>();
  const strays: DeviceResponse[] = [];
  const listeners: Array<(response: DeviceResponse) => void> = [];
  const waiters = new Map<number, Array<(response: DeviceResponse) => void>>();
  let lostCards = new Set<string>();
  let config: unknown;

  const client: MqttClient = await mqtt.connectAsync(options.mqttUrl, {
    clientId: `terminal-${deviceId}-${randomBytes(4).toString('hex')}`,
    protocolVersion,
    // A persistent session: responses published while the terminal is cut off wait at the broker.
    clean: false,
    ...(protocolVersion === 5 ? { properties: { sessionExpiryInterval: sessionExpirySeconds } } : {}),
    reconnectPeriod: reconnectPeriodMs,
    will: { topic: presenceTopic, payload: Buffer.from('offline'), qos: 1, retain: true },
  });
  sendWithoutDelay(client);
  client.on('error', () => undefined);
  client.on('connect', () => {
    void client.publishAsync(presenceTopic, 'online', { qos: 1, retain: true }).catch(() => undefined);
  });

  const settle = (response: DeviceResponse) => {
    const tracked = response.seq === null ? undefined : requests.get(response.seq);
    if (!tracked) {
      strays.push(response);
      return;
    }
    tracked.responses.push(response);
    tracked.firstResponseAt ??= performance.now();
    const waiting = waiters.get(tracked.seq);
    if (waiting) {
      waiters.delete(tracked.seq);
      for (const wake of waiting) wake(response);
    }
    for (const listener of listeners) listener(response);
  };

  const parseJson = (payload: Buffer): unknown => {
    try {
      return JSON.parse(payload.toString('utf8'));
    } catch {
      return undefined;
    }
  };
  client.on('message', (topic, payload) => {
    if (topic === responsesTopic) {
      const parsed = deviceResponseSchema.safeParse(parseJson(payload));
      if (parsed.success) settle(parsed.data);
      else strays.push({ seq: null, status: 'rejected', code: 'unreadable_response' });
    } else if (topic === lostCardsTopic(prefix) && payload.length > 0) {
      lostCards = new Set((parseJson(payload) as { cards: string[] }).cards);
    } else if (topic === configTopic && payload.length > 0) {
      config = parseJson(payload);
    }
  });
  await client.subscribeAsync({
    [responsesTopic]: { qos: 1 },
    [configTopic]: { qos: 1 },
    [lostCardsTopic(prefix)]: { qos: 1 },
  });
  await client.publishAsync(presenceTopic, 'online', { qos: 1, retain: true });

  const sign = (request: UnsignedDeviceRequest) =>
    JSON.stringify({ ...request, sig: signDevicePayload(secret, request as Record<string, unknown>) });

  const send = (seq: number, payload: string) => {
    const now = performance.now();
    const tracked = requests.get(seq);
    if (tracked) {
      tracked.sends += 1;
      tracked.lastSentAt = now;
    } else {
      requests.set(seq, { seq, payload, sends: 1, firstSentAt: now, lastSentAt: now, responses: [] });
    }
    // QoS 1: while disconnected MQTT.js keeps the message and sends it on reconnect.
    client.publish(requestsTopic, payload, { qos: 1 });
  };

  const firstResponse = (seq: number, timeoutMs: number) =>
    new Promise<DeviceResponse | undefined>((resolve) => {
      const answered = requests.get(seq)?.responses[0];
      if (answered) {
        resolve(answered);
        return;
      }
      const timer = setTimeout(() => resolve(undefined), timeoutMs);
      const wake = (response: DeviceResponse) => {
        clearTimeout(timer);
        resolve(response);
      };
      waiters.set(seq, [...(waiters.get(seq) ?? []), wake]);
    });

  return {
    deviceId,
    allocateSeq: () => {
      const seq = nextSeq;
      nextSeq += 1;
      return seq;
    },
    sign,
    send,
    request: async (request, copies = 1) => {
      const payload = sign(request);
      for (let copy = 0; copy < copies; copy += 1) send(request.seq as number, payload);
      const response = await firstResponse(request.seq as number, requestAnswerTimeoutMs);
      if (!response) throw new Error(`no response to ${deviceId} seq ${String(request.seq)}`);
      return response;
    },
    firstResponse,
    tracked: (seq) => requests.get(seq),
    allTracked: () => [...requests.values()],
    strayResponses: () => [...strays],
    publishRaw: async (topic, payload) => {
      await client.publishAsync(topic, payload, { qos: 1 });
    },
    lostCards: () => lostCards,
    config: () => config,
    cutOff: () => {
      client.options.reconnectPeriod = 0;
      client.stream.destroy();
    },
    reconnect: async () => {
      client.options.reconnectPeriod = reconnectPeriodMs;
      const connected = new Promise((resolve) => client.once('connect', resolve));
      client.reconnect();
      await connected;
    },
    isConnected: () => client.connected,
    onResponse: (listener) => listeners.push(listener),
    close: async () => {
      await client.publishAsync(presenceTopic, 'offline', { qos: 1, retain: true }).catch(() => undefined);
      const endSession = protocolVersion === 5 ? { properties: { sessionExpiryInterval: 0 } } : {};
      await new Promise<void>((resolve) => client.end(false, endSession, () => resolve()));
    },
  };
};
