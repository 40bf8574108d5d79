import type { Random } from '../terminals/index.ts';

// Lunch on campus runs from 11:30 to 13:00 with the crowd peaking just after noon. A student's arrival
// is drawn from a normal curve around 12:05 (σ 18 min), cut to the window, and the 90 minutes are
// compressed into the run's duration.

export const lunchWindowMinutes = 90;
const peakMinute = 35;
const spreadMinutes = 18;

/** Minutes after 11:30, in [0, 90). */
export const drawArrivalMinute = (random: Random): number => {
  for (;;) {
    // Box–Muller from two uniforms.
    const radius = Math.sqrt(-2 * Math.log(1 - random.fraction()));
    const minute = peakMinute + spreadMinutes * radius * Math.cos(2 * Math.PI * random.fraction());
    if (minute >= 0 && minute < lunchWindowMinutes) return minute;
  }
};

/** Lunch minutes to milliseconds of run time. */
export const runTimeMs = (lunchMinute: number, runDurationMs: number): number =>
  Math.round((lunchMinute / lunchWindowMinutes) * runDurationMs);
