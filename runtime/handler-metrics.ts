import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { CommandHandlerObserver } from '../ledger-core/index.ts';

// What an operator watches of the command handler: outcomes by code, latency, append cost and size,
// and the queue (in-flight commands).

const latencyBucketsSeconds = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const batchSizeBuckets = [1, 2, 4, 8, 16, 32, 64, 128, 256];

export const createHandlerMetrics = (
  registry: Registry,
  queueLength: () => number,
): CommandHandlerObserver => {
  const commands = new Counter({
    name: 'ledger_commands_total',
    help: 'Commands handled, by type and outcome (accepted, replayed or the rejection code)',
    labelNames: ['type', 'outcome'],
    registers: [registry],
  });
  const commandSeconds = new Histogram({
    name: 'ledger_command_duration_seconds',
    help: 'Time from a command entering the handler to its outcome',
    labelNames: ['type'],
    buckets: latencyBucketsSeconds,
    registers: [registry],
  });
  const appendSeconds = new Histogram({
    name: 'ledger_append_duration_seconds',
    help: 'Time of one event store append (a group commit of many commands)',
    buckets: latencyBucketsSeconds,
    registers: [registry],
  });
  const appendCommands = new Histogram({
    name: 'ledger_append_batch_commands',
    help: 'Commands per group-commit append',
    buckets: batchSizeBuckets,
    registers: [registry],
  });
  new Gauge({
    name: 'ledger_commands_inflight',
    help: 'Commands queued in the handler and not yet decided',
    registers: [registry],
    collect() {
      this.set(queueLength());
    },
  });
  return {
    onCommand: ({ type, outcome, durationMs }) => {
      commands.inc({ type, outcome });
      commandSeconds.observe({ type }, durationMs / 1_000);
    },
    onAppend: ({ commands: count, durationMs }) => {
      appendSeconds.observe(durationMs / 1_000);
      appendCommands.observe(count);
    },
  };
};
