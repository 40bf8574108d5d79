// ledger-core: the domain of campus-ledger. Pure types and functions, plus the event store port and
// the command handler that joins them. Depends on nothing else of ours.
export * from './account/balance-effect.ts';
export * from './account/decider.ts';
export * from './account/move-fingerprint.ts';
export * from './account/recall-move.ts';
export * from './account/recorded-moves.ts';
export * from './account/state.ts';
export * from './business-day.ts';
export * from './card-mask.ts';
export * from './command-handler/command-handler.ts';
export * from './commands.ts';
export * from './decider.ts';
export * from './device/decider.ts';
export * from './device/device-secret.ts';
export * from './event-store/port.ts';
export * from './events.ts';
export * from './hash-chain.ts';
export * from './ids.ts';
export * from './merchant/decider.ts';
export * from './metadata.ts';
export * from './money.ts';
export * from './rejection.ts';
export * from './shared-calls.ts';
export * from './tracing.ts';
