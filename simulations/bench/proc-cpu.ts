import { readFile } from 'node:fs/promises';

// CPU time of a process or thread as Linux accounts it in /proc: utime + stime of a `stat` file.

/** Linux's USER_HZ: /proc reports CPU time in these ticks. */
export const clockTicksPerSecond = 100;

/** CPU microseconds from a /proc `stat` file (`/proc/<pid>/stat`, `/proc/self/task/<tid>/stat`). */
export const cpuMicrosecondsFromStat = async (statPath: string): Promise<number | undefined> => {
  try {
    const stat = await readFile(statPath, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1_000_000) / clockTicksPerSecond;
  } catch {
    return undefined;
  }
};
