import type { FaultRecord } from '../lunch-rush/run-lunch-rush.ts';
import type { SimStack } from '../scenarios/sim-stack.ts';

// The faults injected beside a lunch rush, each at a fixed share of the run, bounded, on loopback only:
// the relay and the projections killed and restarted, the MQTT broker and the Kafka broker stopped and
// started again. Duplicate deliveries come from the student scripts themselves.

const outageMs = 2_000;

type Fault = {
  fault: string;
  atShare: number;
  applies: (stack: SimStack) => boolean;
  inject: (stack: SimStack) => Promise<string>;
};

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const faults: Fault[] = [
  {
    fault: 'relay killed and restarted',
    atShare: 0.15,
    applies: (stack) => stack.runtime.config.kafkaBrokers !== undefined,
    inject: async (stack) => {
      await stack.restart('relay');
      return 'relay stopped mid-stream and started again from its checkpoint';
    },
  },
  {
    fault: 'projections killed and restarted',
    atShare: 0.25,
    applies: () => true,
    inject: async (stack) => {
      await stack.restart('projections');
      return 'projector stopped and started again from its checkpoint';
    },
  },
  {
    fault: 'MQTT broker restarted',
    atShare: 0.45,
    applies: (stack) => stack.mqttBroker !== undefined,
    inject: async (stack) => {
      await stack.mqttBroker?.halt();
      await pause(outageMs);
      await stack.mqttBroker?.resume();
      return `private Mosquitto down for ${outageMs} ms; gateway and terminals reconnected by themselves`;
    },
  },
  {
    fault: 'Kafka broker restarted',
    atShare: 0.65,
    applies: (stack) => stack.kafkaBroker !== undefined,
    inject: async (stack) => {
      await stack.kafkaBroker?.halt();
      await pause(outageMs);
      await stack.kafkaBroker?.resume();
      return `private Kafka broker down for ${outageMs} ms plus its restart`;
    },
  },
];

export const injectFaults = async (
  stack: SimStack,
  runStart: number,
  runDurationMs: number,
): Promise<FaultRecord[]> => {
  const records: FaultRecord[] = [];
  for (const fault of faults) {
    if (!fault.applies(stack)) {
      records.push({ fault: fault.fault, atMs: 0, durationMs: 0, detail: 'skipped: not part of this stack' });
      continue;
    }
    const wait = runStart + runDurationMs * fault.atShare - performance.now();
    if (wait > 0) await pause(wait);
    const startedAt = performance.now();
    const detail = await fault.inject(stack);
    records.push({
      fault: fault.fault,
      atMs: Math.round(startedAt - runStart),
      durationMs: Math.round(performance.now() - startedAt),
      detail,
    });
  }
  return records;
};
