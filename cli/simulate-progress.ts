import cliProgress from 'cli-progress';

/** A progress bar of students done, on a terminal only. */
export const createProgress = (total: number) => {
  if (!process.stderr.isTTY)
    return { update: (_done: number, _total: number) => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: 'students {bar} {value}/{total} | {duration_formatted}' },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return { update: (done: number) => bar.update(done), stop: () => bar.stop() };
};
