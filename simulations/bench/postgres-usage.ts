import type pg from 'pg';
import { cpuMicrosecondsFromStat } from './proc-cpu.ts';

// What a benchmark phase cost Postgres in CPU: the server processes serving a named application, read
// from /proc (so only when Postgres runs on this machine). Per operation, CPU is far less sensitive to a
// busy machine than throughput, which makes runs comparable when the machine is shared. (WAL volume is
// not reported: pg_current_wal_lsn counts every session of the server, not just the benchmark's.)

const snapshot = async (admin: pg.Client, applicationName: string) => {
  const { rows } = await admin.query<{ pid: number }>(
    'SELECT pid FROM pg_stat_activity WHERE application_name = $1',
    [applicationName],
  );
  const cpu = new Map<number, number>();
  for (const { pid } of rows) {
    const micros = await cpuMicrosecondsFromStat(`/proc/${pid}/stat`);
    if (micros === undefined) return undefined;
    cpu.set(pid, micros);
  }
  return cpu;
};

export type UsageProbe = {
  /** Call before the work starts (connections opened later count from their start). */
  begin: () => Promise<void>;
  /** Call after the work, while its connections are still open. */
  end: (operations: number) => Promise<{ postgresCpuMicrosecondsPerOperation: number | null }>;
};

export const createUsageProbe = (admin: pg.Client, applicationName: string): UsageProbe => {
  let before: Map<number, number> | undefined;
  return {
    begin: async () => {
      before = await snapshot(admin, applicationName);
    },
    end: async (operations) => {
      const after = await snapshot(admin, applicationName);
      if (!before || !after || after.size === 0 || operations === 0)
        return { postgresCpuMicrosecondsPerOperation: null };
      let total = 0;
      for (const [pid, micros] of after) total += micros - (before.get(pid) ?? 0);
      return { postgresCpuMicrosecondsPerOperation: Math.round(total / operations) };
    },
  };
};
