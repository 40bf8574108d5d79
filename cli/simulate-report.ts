import type { LunchRushReport } from '../simulations/lunch-rush/run-lunch-rush.ts';

export const formatSimulationReport = (report: LunchRushReport): string => {
  const lines = [
    `${report.scenario} (seed ${report.seed}): ${report.ok ? 'PASSED' : 'FAILED'}`,
    `  stack          ${report.stack.eventStore} · ${report.stack.bus} · ${report.stack.mqtt}`,
    `  campus         ${report.students} students, ${report.terminals} terminals (${report.offlineTerminals} offline for a while)`,
    `  requests       ${report.requests} in ${(report.durationMs / 1_000).toFixed(1)} s = ${report.requestsPerSecond}/s; ${report.duplicatesInjected} duplicates injected, ${report.offlineUploads} offline uploads`,
    `  outcomes       ${Object.entries(report.byOutcome)
      .map(([outcome, count]) => `${outcome} ${count}`)
      .join(', ')}`,
    `  latency (ms)   p50 ${report.latencyMs.p50}  p95 ${report.latencyMs.p95}  p99 ${report.latencyMs.p99}  max ${report.latencyMs.max}`,
  ];
  for (const fault of report.faults)
    lines.push(
      `  fault          ${fault.fault} at ${fault.atMs} ms (${fault.durationMs} ms): ${fault.detail}`,
    );
  for (const check of report.checks)
    lines.push(`  ${check.ok ? 'ok  ' : 'FAIL'}           ${check.name}: ${check.detail}`);
  lines.push(`  balances       sha256 ${report.balancesDigest}`);
  return `${lines.join('\n')}\n`;
};
