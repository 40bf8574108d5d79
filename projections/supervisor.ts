import type { Logger } from 'pino';

// Keeps a long-running worker (relay, projector) alive: when a session fails (Kafka down, database
// restarting) it is logged and started again after a pause, never crashing the process.

export type WorkerSession = {
  /** Settles when the session ends by itself: resolved or rejected, either way it is restarted. */
  done: Promise<void>;
  stop: () => Promise<void>;
};

export type Supervised = { stop: () => Promise<void> };

export const defaultRestartDelayMs = 1_000;

export const supervise = (options: {
  name: string;
  logger: Logger;
  start: () => Promise<WorkerSession>;
  restartDelayMs?: number;
}): Supervised => {
  const restartDelayMs = options.restartDelayMs ?? defaultRestartDelayMs;
  let stopping = false;
  let session: WorkerSession | undefined;
  let wakeFromPause: () => void = () => undefined;

  const pause = () =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, restartDelayMs);
      wakeFromPause = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const loop = async () => {
    while (!stopping) {
      try {
        session = await options.start();
        if (stopping) await session.stop();
        await session.done;
        if (!stopping) options.logger.warn({ worker: options.name }, 'worker session ended; restarting');
      } catch (error) {
        if (!stopping)
          options.logger.error({ worker: options.name, err: error }, 'worker session failed; restarting');
      } finally {
        session = undefined;
      }
      if (!stopping) await pause();
    }
  };
  const running = loop();

  return {
    stop: async () => {
      stopping = true;
      wakeFromPause();
      await session?.stop().catch(() => undefined);
      await running;
    },
  };
};
