import type { Command } from 'commander';
import { createDevToken } from '../http-kit/index.ts';
import { loadConfig } from '../runtime/config.ts';
import { createLogger } from '../runtime/logger.ts';
import { startTelemetry } from '../runtime/telemetry.ts';

const parseServices = (value: string): string[] => value.split(',').map((name) => name.trim());

export const registerStartCommand = (program: Command): void => {
  program
    .command('start')
    .description(
      'start the ledger services (embedded defaults unless DATABASE_URL, KAFKA_BROKERS, MQTT_URL, ESDB_URL are set)',
    )
    .option(
      '--services <list>',
      'comma-separated: command-api,query-api,device-gateway,relay,projections',
      parseServices,
    )
    .option('--no-demo', 'do not seed the demo campus nor start simulated terminals (embedded mode only)')
    .action(async (options: { services?: string[]; demo: boolean }) => {
      const config = loadConfig();
      const logger = createLogger({ level: config.logLevel });
      const telemetry = startTelemetry({
        serviceName: 'campus-ledger',
        otlpEndpoint: config.otlpEndpoint,
        otlpHeaders: config.otlpHeaders,
        context: config.traceContext,
        ...(config.traceSampleRatio === undefined ? {} : { sampleRatio: config.traceSampleRatio }),
      });
      // Loaded after telemetry, so the http and pg instrumentations see the modules load.
      const { openLedgerRuntime } = await import('../runtime/ledger-runtime.ts');
      const { migrateReadSide, serviceNames, startServices, stopServices } = await import(
        '../runtime/services.ts'
      );
      const { seedDemoCampus, startCampusDemo } = await import('../runtime/campus-demo.ts');

      const names = (options.services ?? [...serviceNames]) as (typeof serviceNames)[number][];
      const unknown = names.filter((name) => !(serviceNames as readonly string[]).includes(name));
      if (unknown.length > 0) program.error(`unknown service(s): ${unknown.join(', ')}`, { exitCode: 2 });

      const runtime = await openLedgerRuntime(config, logger);
      await migrateReadSide(runtime);
      const running = await startServices(runtime, names);
      const embedded = !config.databaseUrl && !config.kafkaBrokers && !config.mqttUrl && !config.esdbUrl;
      let demo: { stop: () => Promise<void> } | undefined;
      let demoStudent: string | undefined;
      if (embedded && options.demo && names.includes('device-gateway')) {
        const { plan, report } = await seedDemoCampus(runtime);
        logger.info(report, 'demo campus seeded');
        demo = startCampusDemo(runtime, `mqtt://${config.host}:${config.embeddedMqttPort}`, plan);
        demoStudent = plan.students[0]?.accountId;
      }

      const queryUrl = running.find((service) => service.name === 'query-api')?.detail;
      const commandUrl = running.find((service) => service.name === 'command-api')?.detail;
      const lines = ['', 'campus-ledger is running:'];
      for (const service of running) lines.push(`  ${service.name.padEnd(15)} ${service.detail}`);
      if (commandUrl) lines.push(`  OpenAPI          ${commandUrl}/docs  ·  ${queryUrl ?? ''}/docs`);
      if (queryUrl && demoStudent) {
        const token = createDevToken(config.jwtSecret, 'admin', 'readme', 24 * 3_600);
        lines.push(
          '',
          'Try a balance (a development admin token, valid 24 h):',
          `  curl -s -H "Authorization: Bearer ${token}" ${queryUrl}/v1/accounts/${demoStudent}`,
          'Watch it move as the simulated terminals charge cards:',
          `  curl -s -H "Authorization: Bearer ${token}" "${queryUrl}/v1/accounts/${demoStudent}/transactions?limit=5"`,
        );
      }
      lines.push('', 'Ctrl-C stops cleanly; the next start resumes the same ledger.', '');
      process.stdout.write(`${lines.join('\n')}\n`);

      let stopping = false;
      const shutdown = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        logger.info({ signal }, 'stopping');
        await demo?.stop();
        await stopServices(running);
        await runtime.close();
        await telemetry.shutdown();
        process.exit(0);
      };
      process.once('SIGINT', () => void shutdown('SIGINT'));
      process.once('SIGTERM', () => void shutdown('SIGTERM'));
    });
};
