import type { CliDeps } from './commands/cli-deps.ts';

/** The audit and finance verbs' dependencies, opened from the environment's configuration. */
export const loadRuntimeDeps = async (): Promise<CliDeps> => {
  const { loadConfig } = await import('../runtime/config.ts');
  const { createLogger } = await import('../runtime/logger.ts');
  const { openLedgerRuntime } = await import('../runtime/ledger-runtime.ts');
  const { migrateReadSide } = await import('../runtime/services.ts');
  const config = loadConfig();
  // Logs go to stderr: stdout carries the verbs' reports (and their --json).
  const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'warn', destination: process.stderr });
  const runtime = await openLedgerRuntime(config, logger);
  await migrateReadSide(runtime);
  return {
    store: runtime.store,
    db: runtime.db,
    handler: runtime.handler,
    timeZone: config.timeZone,
    logger,
    close: runtime.close,
  };
};
