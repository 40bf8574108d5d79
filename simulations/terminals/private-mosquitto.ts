import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { canConnect } from '../../testing/services.ts';

// A Mosquitto of our own on a loopback port, for runs that restart the broker or need a broker setting
// the machine's shared one does not have. Persistence lives in a temp directory removed on stop.

export type PrivateMosquitto = {
  url: string;
  port: number;
  /** Stops the broker (SIGTERM, so it saves its persistence file) and waits until it has exited. */
  halt: () => Promise<void>;
  /** Starts it again on the same port and persistence directory. */
  resume: () => Promise<void>;
  stop: () => Promise<void>;
};

export type PrivateMosquittoOptions = {
  /** A loopback port; a free one is picked when absent. */
  port?: number;
  /**
   * TCP_NODELAY on the broker's sockets. Mosquitto leaves it off by default, and then every QoS 1
   * request/response pair waits about 40 ms for a delayed ACK; a payment broker should turn it on.
   */
  noDelay?: boolean;
  persistence?: boolean;
};

const startTimeoutMs = 5_000;
const haltTimeoutMs = 5_000;
const pollMs = 50;

const waitUntil = async (check: () => Promise<boolean>, timeoutMs: number, what: string) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
};

const freeLoopbackPort = () =>
  new Promise<number>((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });

export const startPrivateMosquitto = async (
  options: PrivateMosquittoOptions = {},
): Promise<PrivateMosquitto> => {
  const port = options.port ?? (await freeLoopbackPort());
  const directory = await mkdtemp(path.join(tmpdir(), 'campus-mosquitto-'));
  const configPath = path.join(directory, 'mosquitto.conf');
  await writeFile(
    configPath,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      `persistence ${options.persistence === false ? 'false' : 'true'}`,
      `persistence_location ${directory}/`,
      `set_tcp_nodelay ${options.noDelay === false ? 'false' : 'true'}`,
      // Queued QoS 1 messages per client while a client's window is full or it is away.
      'max_queued_messages 100000',
      'log_dest none',
      '',
    ].join('\n'),
  );
  let broker: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  const resume = async () => {
    if (await canConnect('127.0.0.1', port, 200)) throw new Error(`port ${port} is already in use`);
    const child = spawn('mosquitto', ['-c', configPath], { stdio: 'ignore' });
    broker = child;
    // A run that dies (an uncaught error, a closed stdout) must not leave its broker behind.
    const killOnExit = () => child.kill('SIGTERM');
    process.once('exit', killOnExit);
    exited = new Promise((resolve) =>
      child.once('exit', () => {
        process.off('exit', killOnExit);
        resolve();
      }),
    );
    await waitUntil(() => canConnect('127.0.0.1', port, 200), startTimeoutMs, `mosquitto on ${port}`);
  };

  const halt = async () => {
    const child = broker;
    if (!child || child.exitCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), haltTimeoutMs);
    await exited;
    clearTimeout(timer);
    broker = undefined;
  };

  await resume();
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port: port,
    halt,
    resume,
    stop: async () => {
      await halt();
      await rm(directory, { recursive: true, force: true });
    },
  };
};
