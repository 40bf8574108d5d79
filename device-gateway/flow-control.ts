// Backpressure for the MQTT client. MQTT.js reads one packet at a time and acknowledges a QoS 1 message
// only when `handleMessage` calls back; until then it reads nothing more from the socket, so the broker
// keeps the rest. The gate calls back at once while there is room and parks the callback once
// `maxInflight` requests are being processed: memory stays bounded whatever the devices send.
//
// A request is acknowledged to the broker when it is admitted, not when it is answered: if the gateway
// dies in between, the device gets no response and sends the same seq again, which the ledger answers
// from its record (I5).

export type InflightGate = {
  /** A request was admitted (called from the 'message' event, before `handleMessage`). */
  admit: () => void;
  /** Gate for MQTT.js `handleMessage`: lets the client read on, or parks it. */
  gate: (readOn: () => void) => void;
  /** A request finished: frees its slot and lets a parked client read on. */
  release: () => void;
  inflight: () => number;
  maxInflightSeen: () => number;
  pauses: () => number;
  /** Resolves once nothing is in flight, or after `timeoutMs`. */
  drained: (timeoutMs: number) => Promise<void>;
};

export const createInflightGate = (maxInflight: number, onPause: () => void): InflightGate => {
  if (!Number.isInteger(maxInflight) || maxInflight < 1) throw new Error('maxInflightCommands must be ≥ 1');
  let inflight = 0;
  let maxSeen = 0;
  let pauses = 0;
  let parked: (() => void) | undefined;
  let drainWaiters: Array<() => void> = [];

  return {
    admit: () => {
      inflight += 1;
      maxSeen = Math.max(maxSeen, inflight);
    },
    gate: (readOn) => {
      if (inflight < maxInflight) {
        readOn();
        return;
      }
      pauses += 1;
      onPause();
      parked = readOn;
    },
    release: () => {
      inflight -= 1;
      if (parked && inflight < maxInflight) {
        const readOn = parked;
        parked = undefined;
        readOn();
      }
      if (inflight === 0) {
        const waiters = drainWaiters;
        drainWaiters = [];
        for (const wake of waiters) wake();
      }
    },
    inflight: () => inflight,
    maxInflightSeen: () => maxSeen,
    pauses: () => pauses,
    drained: (timeoutMs) =>
      inflight === 0
        ? Promise.resolve()
        : new Promise((resolve) => {
            const timer = setTimeout(resolve, timeoutMs);
            drainWaiters.push(() => {
              clearTimeout(timer);
              resolve();
            });
          }),
  };
};
