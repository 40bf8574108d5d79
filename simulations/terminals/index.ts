// The terminal simulator: simulated POS terminals and kiosks on the real MQTT client, for the gateway's
// tests, its benchmark, and later load and fault scenarios.
export { type LatencySummary, summarizeLatencies } from './latency.ts';
export {
  type PrivateMosquitto,
  type PrivateMosquittoOptions,
  startPrivateMosquitto,
} from './private-mosquitto.ts';
export { createRandom, type Random } from './random.ts';
export { type ProcessRunResult, runTerminalsInProcess } from './run-in-process.ts';
export {
  type OfflinePeriod,
  type RunTerminalsOptions,
  runTerminals,
  type TerminalRunReport,
} from './run-terminals.ts';
export {
  connectTerminal,
  type Terminal,
  type TerminalCredentials,
  type TerminalOptions,
  type TrackedRequest,
} from './terminal.ts';
