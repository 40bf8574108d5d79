import { SingleBar } from 'cli-progress';
import type { Position } from '../../ledger-core/index.ts';
import type { CliIo } from './cli-io.ts';

export type ProgressReporter = {
  /** Feeds the bar with the last position done of the range (after, through]. */
  update: (info: { after: Position; position: Position; through: Position }) => void;
  stop: () => void;
};

/** A bar on stderr when it is a terminal; nothing otherwise (pipes, CI, tests). */
export const createProgress = (io: CliIo, label: string): ProgressReporter => {
  const stream = io.progressStream;
  if (!stream) return { update: () => undefined, stop: () => undefined };
  const bar = new SingleBar({
    stream,
    format: `${label} [{bar}] {percentage}% | {value}/{total} events | {eta_formatted} left`,
    hideCursor: true,
    clearOnComplete: true,
  });
  let started = false;
  return {
    update: ({ after, position, through }) => {
      const total = Number(through - after);
      if (!started) {
        bar.start(total, 0);
        started = true;
      }
      bar.setTotal(total);
      bar.update(Number(position - after));
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
};
