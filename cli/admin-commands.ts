import type { Command } from 'commander';
import { createDevToken, roles } from '../http-kit/index.ts';
import { loadConfig } from '../runtime/config.ts';
import { createLogger } from '../runtime/logger.ts';

export const registerMigrateCommand = (program: Command): void => {
  program
    .command('migrate')
    .description('create or update the event store tables (Postgres/PGlite) and the read-model tables')
    .action(async () => {
      const config = loadConfig();
      const logger = createLogger({ level: config.logLevel });
      const { openLedgerRuntime } = await import('../runtime/ledger-runtime.ts');
      const { migrateReadSide } = await import('../runtime/services.ts');
      const runtime = await openLedgerRuntime(config, logger);
      try {
        await migrateReadSide(runtime);
        process.stdout.write(`migrated: event store (${config.eventStore}) and read models\n`);
      } finally {
        await runtime.close();
      }
    });
};

export const registerDevTokenCommand = (program: Command): void => {
  program
    .command('dev-token')
    .description('print a development JWT signed with JWT_SECRET (for examples and local testing)')
    .argument('<role>', `one of ${roles.join(', ')}`)
    .option('--sub <id>', 'subject; for a student, its account id')
    .option('--ttl <seconds>', 'lifetime in seconds', '3600')
    .action((role: string, options: { sub?: string; ttl: string }) => {
      if (!(roles as readonly string[]).includes(role))
        program.error(`unknown role ${role}`, { exitCode: 2 });
      const ttlSeconds = Number(options.ttl);
      if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0)
        program.error('--ttl must be a positive whole number', { exitCode: 2 });
      const config = loadConfig();
      process.stdout.write(
        `${createDevToken(config.jwtSecret, role as (typeof roles)[number], options.sub, ttlSeconds)}\n`,
      );
    });
};
