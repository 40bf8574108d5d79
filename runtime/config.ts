import { parseKeyPairsIntoRecord } from '@opentelemetry/core';
import { z } from 'zod';
import { defaultLedgerTimeZone } from '../ledger-core/index.ts';

// All configuration comes from the environment (DESIGN.md). Unset service URLs mean the embedded
// default: PGlite, an in-process bus and an embedded MQTT broker.

const developmentJwtSecret = 'campus-ledger-development-secret-not-for-production';
const developmentDeviceMasterKey = 'campus-ledger-development-device-master-key';

const envSchema = z.object({
  EVENT_STORE: z.enum(['esdb', 'postgres', 'pglite']).optional(),
  ESDB_URL: z.string().min(1).optional(),
  DATABASE_URL: z.string().min(1).optional(),
  KAFKA_BROKERS: z.string().min(1).optional(),
  MQTT_URL: z.string().min(1).optional(),
  /** A Postgres schema for the event store and read models (default: the connection's search_path). */
  DATABASE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/)
    .optional(),
  MQTT_TOPIC_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_/-]{1,100}$/)
    .default('campus/v1'),
  PROJECTION_GROUP: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,200}$/)
    .default('campus-ledger-projections'),
  LEDGER_TZ: z.string().default(defaultLedgerTimeZone),
  LEDGER_TOPIC: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,200}$/)
    .default('ledger.events.v1'),
  HOST: z.string().default('127.0.0.1'),
  COMMAND_API_PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  QUERY_API_PORT: z.coerce.number().int().min(0).max(65_535).default(3001),
  EMBEDDED_MQTT_PORT: z.coerce.number().int().min(0).max(65_535).default(18_830),
  DATA_DIR: z.string().default('.data'),
  JWT_SECRET: z.string().min(16).default(developmentJwtSecret),
  DEVICE_MASTER_KEY: z.string().min(16).default(developmentDeviceMasterKey),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().optional(),
  /** `key=value` pairs, comma-separated, values URL-encoded (OpenTelemetry's format). */
  OTEL_EXPORTER_OTLP_HEADERS: z.string().optional(),
  /** Share of new traces sampled (parent-based: a sampled caller's trace is always followed). */
  OTEL_TRACES_SAMPLER_ARG: z.coerce.number().min(0).max(1).optional(),
  /** How spans follow async work: explicit hops (cheap) or AsyncLocalStorage (see runtime/telemetry.ts). */
  TRACE_CONTEXT: z.enum(['explicit', 'async-local-storage']).default('explicit'),
  /** A /metrics and /health listener for processes that run no HTTP API (gateway, relay, projections). */
  METRICS_PORT: z.coerce.number().int().min(0).max(65_535).optional(),
});

export type LedgerConfig = {
  eventStore: 'esdb' | 'postgres' | 'pglite';
  esdbUrl: string | undefined;
  /** Read models (and the Postgres event store) live here; undefined means embedded PGlite. */
  databaseUrl: string | undefined;
  databaseSchema: string | undefined;
  mqttTopicPrefix: string;
  projectionGroup: string;
  kafkaBrokers: string[] | undefined;
  mqttUrl: string | undefined;
  timeZone: string;
  topic: string;
  host: string;
  commandApiPort: number;
  queryApiPort: number;
  embeddedMqttPort: number;
  dataDir: string;
  jwtSecret: string;
  usingDevelopmentJwtSecret: boolean;
  deviceMasterKey: string;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  otlpEndpoint: string | undefined;
  otlpHeaders: Record<string, string> | undefined;
  traceSampleRatio: number | undefined;
  traceContext: 'explicit' | 'async-local-storage';
  metricsPort: number | undefined;
};

const ensureTimeZone = (timeZone: string): string => {
  try {
    new Intl.DateTimeFormat('en-CA', { timeZone });
  } catch {
    throw new Error(`LEDGER_TZ=${timeZone} is not a time zone this runtime knows`);
  }
  return timeZone;
};

export const loadConfig = (env: NodeJS.ProcessEnv = process.env): LedgerConfig => {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((issue) => `${issue.path.join('.')}: ${issue.message}`)
      .join('; ');
    throw new Error(`invalid configuration: ${problems}`);
  }
  const values = parsed.data;
  const eventStore =
    values.EVENT_STORE ?? (values.ESDB_URL ? 'esdb' : values.DATABASE_URL ? 'postgres' : 'pglite');
  if (eventStore === 'esdb' && !values.ESDB_URL) throw new Error('EVENT_STORE=esdb needs ESDB_URL');
  if (eventStore === 'postgres' && !values.DATABASE_URL)
    throw new Error('EVENT_STORE=postgres needs DATABASE_URL');
  return {
    eventStore,
    esdbUrl: values.ESDB_URL,
    databaseUrl: values.DATABASE_URL,
    databaseSchema: values.DATABASE_SCHEMA,
    mqttTopicPrefix: values.MQTT_TOPIC_PREFIX,
    projectionGroup: values.PROJECTION_GROUP,
    kafkaBrokers: values.KAFKA_BROKERS?.split(',').map((broker) => broker.trim()),
    mqttUrl: values.MQTT_URL,
    timeZone: ensureTimeZone(values.LEDGER_TZ),
    topic: values.LEDGER_TOPIC,
    host: values.HOST,
    commandApiPort: values.COMMAND_API_PORT,
    queryApiPort: values.QUERY_API_PORT,
    embeddedMqttPort: values.EMBEDDED_MQTT_PORT,
    dataDir: values.DATA_DIR,
    jwtSecret: values.JWT_SECRET,
    usingDevelopmentJwtSecret: values.JWT_SECRET === developmentJwtSecret,
    deviceMasterKey: values.DEVICE_MASTER_KEY,
    logLevel: values.LOG_LEVEL,
    otlpEndpoint: values.OTEL_EXPORTER_OTLP_ENDPOINT || undefined,
    otlpHeaders: values.OTEL_EXPORTER_OTLP_HEADERS
      ? parseKeyPairsIntoRecord(values.OTEL_EXPORTER_OTLP_HEADERS)
      : undefined,
    traceSampleRatio: values.OTEL_TRACES_SAMPLER_ARG,
    traceContext: values.TRACE_CONTEXT,
    metricsPort: values.METRICS_PORT,
  };
};
