import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freeLoopbackPort } from './free-port.ts';

// A Kafka broker of a run's own (infra/kafka.sh on other loopback ports, data in a temp directory), so
// a fault scenario can stop and restart it without touching the shared broker on 9092.

const kafkaScript = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../infra/kafka.sh');
const scriptTimeoutMs = 120_000;

export type PrivateKafka = {
  brokers: string[];
  halt: () => Promise<void>;
  resume: () => Promise<void>;
  stop: () => Promise<void>;
};

const runScript = (verb: 'start' | 'stop', env: NodeJS.ProcessEnv): Promise<void> =>
  new Promise((resolve, reject) => {
    const child = spawn('bash', [kafkaScript, verb], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), scriptTimeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`infra/kafka.sh ${verb} exited ${code}: ${output.trim()}`));
    });
  });

export const startPrivateKafka = async (): Promise<PrivateKafka> => {
  const stateDir = await mkdtemp(path.join(tmpdir(), 'campus-ledger-kafka-'));
  const env = {
    KAFKA_PORT: String(await freeLoopbackPort()),
    KAFKA_CONTROLLER_PORT: String(await freeLoopbackPort()),
    KAFKA_STATE_DIR: stateDir,
  };
  await runScript('start', env);
  return {
    brokers: [`127.0.0.1:${env.KAFKA_PORT}`],
    halt: () => runScript('stop', env),
    resume: () => runScript('start', env),
    stop: async () => {
      await runScript('stop', env);
      await rm(stateDir, { recursive: true, force: true });
    },
  };
};
