import { fork } from 'node:child_process';
import { Kafka, logLevel } from 'kafkajs';
import knex from 'knex';
import { pino } from 'pino';
import { createPgClient, createSqlEventStore } from '../../event-store/index.ts';
import type { AppendRequest } from '../../ledger-core/index.ts';
import { startKafkaProjector, startRelay } from '../../projections/index.ts';

// The processes of the projections benchmark's lag measurement: the load generator, the relay and the
// projector each run in a process of their own (as the compose file deploys relay and projections),
// started by forking this module with a role. See projections.ts.

/** Accounts the load tops up, opened by the benchmark before the load starts (`a0` … `a999`). */
export const loadAccounts = 1_000;
/** Commands are released in small slices, this often, to approximate a steady rate. */
const loadTickMs = 10;
const benchActor = { type: 'system', id: 'projections-bench' } as const;
const silent = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A top-up as the command handler would append it (the bench appends directly, to spend no CPU deciding). */
const topUpRequest = (counter: number): AppendRequest => ({
  streamId: `account-a${counter % loadAccounts}`,
  expectedRevision: 'any',
  events: [
    {
      type: 'ToppedUp',
      data: { txId: `t${counter}`, amount: '1.00', channel: 'cash' },
      metadata: {
        schemaVersion: 1,
        txId: `t${counter}`,
        correlationId: `bench-${counter}`,
        causationId: `bench-${counter}`,
        actor: benchActor,
        occurredAt: new Date().toISOString(),
      },
    },
  ],
});

/** Milliseconds since the epoch with sub-millisecond precision, comparable across processes. */
export const now = () => performance.timeOrigin + performance.now();

/** What every child process of the lag measurement needs to know. */
export type ChildConfig = {
  databaseUrl: string;
  storeSchema: string;
  readSchema: string;
  kafkaBrokers: string[];
  topic: string;
  groupId: string;
  timeZone: string;
  rate: number;
  /** The load runs this long at `rate` before the measured `seconds`, without a pause between. */
  warmupSeconds: number;
  seconds: number;
};
type Role = 'load' | 'relay' | 'projector';
type ChildMessage =
  | { kind: 'ready' }
  | { kind: 'appended'; positions: string[]; at: number; warmup: boolean }
  | { kind: 'done'; offeredMs: number }
  | { kind: 'failed'; error: string };

const roleVariable = 'PROJECTIONS_BENCH_ROLE';

/**
 * The load generator: every tick, the events due are appended in one group commit, as the command
 * handler does under load; each commit's positions and time go back to the parent, marked as warm-up
 * while the relay and projector processes, fresh and JIT-cold, are still in their first seconds.
 */
const runLoad = async (config: ChildConfig, send: (message: ChildMessage) => void) => {
  const sql = createPgClient({
    connectionString: config.databaseUrl,
    schema: config.storeSchema,
    maxConnections: 4,
  });
  const store = createSqlEventStore(sql);
  const startedAt = performance.now();
  const perTick = (config.rate * loadTickMs) / 1000;
  let issued = 0;
  const inFlight: Promise<void>[] = [];
  const warmupMs = config.warmupSeconds * 1000;
  while (performance.now() - startedAt < warmupMs + config.seconds * 1000) {
    const warmup = performance.now() - startedAt < warmupMs;
    const due = Math.floor(((performance.now() - startedAt) / loadTickMs + 1) * perTick);
    const requests: AppendRequest[] = [];
    for (; issued < due; issued += 1) requests.push(topUpRequest(issued + 1));
    inFlight.push(
      store.appendBatch(requests).then((outcomes) => {
        const at = now();
        const positions: string[] = [];
        for (const outcome of outcomes) {
          if (!outcome.ok) throw new Error(`bench append refused: ${outcome.reason}`);
          for (const event of outcome.events) positions.push(event.position.toString());
        }
        send({ kind: 'appended', positions, at, warmup });
      }),
    );
    await sleep(loadTickMs);
  }
  await Promise.all(inFlight);
  send({ kind: 'done', offeredMs: performance.now() - startedAt - warmupMs });
  await store.close();
};

/** The relay or the projector, as the compose file runs them: a process each. Runs until told to stop. */
const runService = async (
  role: 'relay' | 'projector',
  config: ChildConfig,
  send: (message: ChildMessage) => void,
) => {
  const sql = createPgClient({
    connectionString: config.databaseUrl,
    schema: config.storeSchema,
    maxConnections: 2,
  });
  const store = createSqlEventStore(sql);
  const db = knex({
    client: 'pg',
    connection: config.databaseUrl,
    searchPath: [config.readSchema],
    pool: { min: 0, max: 4 },
  });
  const kafka = new Kafka({
    clientId: `projections-bench-${role}`,
    brokers: config.kafkaBrokers,
    logLevel: logLevel.NOTHING,
  });
  const { topic, groupId, timeZone } = config;
  const service =
    role === 'relay'
      ? startRelay({ store, db, kafka, topic, logger: silent })
      : startKafkaProjector({ kafka, db, topic, groupId, timeZone, logger: silent });
  const stopped = new Promise((resolve) => process.once('message', resolve));
  send({ kind: 'ready' });
  await stopped;
  await service.stop();
  await db.destroy();
  await store.close();
};

const childRole = process.env[roleVariable] as Role | undefined;
if (childRole && process.send) {
  const reply = (message: ChildMessage) => process.send?.(message);
  process.once('message', (config: ChildConfig) => {
    (childRole === 'load' ? runLoad(config, reply) : runService(childRole, config, reply))
      .catch((error: unknown) => reply({ kind: 'failed', error: String(error) }))
      .finally(() => process.disconnect());
  });
}

/** Starts this module as a child process in the given role; `stop` asks it to finish and waits. */
const spawnChild = (role: Role, config: ChildConfig, onMessage: (message: ChildMessage) => void) => {
  const child = fork(new URL(import.meta.url), [], {
    execArgv: ['--import', import.meta.resolve('tsx')],
    env: { ...process.env, [roleVariable]: role },
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  child.on('message', onMessage);
  child.send(config);
  return {
    stop: async () => {
      if (child.connected) child.send('stop');
      await exited;
    },
  };
};

/** Resolves when the child says `ready` (services) or `done` (load); rejects when it fails. */
export const childOutcome = (
  role: Role,
  config: ChildConfig,
  onAppended?: (positions: string[], at: number, warmup: boolean) => void,
) => {
  let handle: ReturnType<typeof spawnChild> | undefined;
  const outcome = new Promise<number>((resolve, reject) => {
    handle = spawnChild(role, config, (message) => {
      if (message.kind === 'appended') onAppended?.(message.positions, message.at, message.warmup);
      else if (message.kind === 'ready') resolve(0);
      else if (message.kind === 'done') resolve(message.offeredMs);
      else reject(new Error(`${role} process failed: ${message.error}`));
    });
  });
  return { outcome, stop: () => handle?.stop() ?? Promise.resolve() };
};
