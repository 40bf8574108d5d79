import { deviceStatusTable } from '../device-gateway/index.ts';
import { deriveDeviceSecret } from '../ledger-core/index.ts';
import { planCampus } from '../simulations/campus/campus-plan.ts';
import { seedCampus } from '../simulations/campus/seed-campus.ts';
import { runTerminals } from '../simulations/terminals/index.ts';
import type { LedgerRuntime } from './ledger-runtime.ts';

// What `npm start` shows on a bare machine: a small seeded campus and its POS terminals charging cards
// at a gentle rate, round after round, until the process is stopped.

export const demoStudents = 300;
const demoSeed = 2026;
const demoChargesPerSecond = 2;
/** Each round logs a summary of what the terminals saw. */
const demoRoundMs = 10_000;

export type CampusDemo = { stop: () => Promise<void> };

/** Seq numbers continue from what the gateway recorded, so a restarted demo never reuses a txId. */
const nextSeqsFromLedger = async (
  runtime: LedgerRuntime,
  deviceIds: string[],
): Promise<Record<string, number>> => {
  const rows: Array<{ device_id: string; last_seq: string | number }> = await runtime
    .db(deviceStatusTable)
    .whereIn('device_id', deviceIds)
    .select('device_id', 'last_seq');
  return Object.fromEntries(rows.map((row) => [row.device_id, Number(row.last_seq) + 1]));
};

export const seedDemoCampus = async (runtime: LedgerRuntime) => {
  const plan = planCampus({ students: demoStudents, seed: demoSeed });
  const report = await seedCampus(runtime.handler, plan, new Date().toISOString());
  return { plan, report };
};

export const startCampusDemo = (
  runtime: LedgerRuntime,
  mqttUrl: string,
  plan: ReturnType<typeof planCampus>,
): CampusDemo => {
  const stopping = new AbortController();
  const terminals = plan.devices
    .filter((device) => device.kind === 'pos')
    .map((device) => ({
      deviceId: device.deviceId,
      secret: deriveDeviceSecret(runtime.config.deviceMasterKey, device.deviceId, device.keyId),
    }));
  const cards = plan.students.map((student) => student.cardNo);
  const rounds = (async () => {
    let seed = demoSeed;
    let firstSeqs = await nextSeqsFromLedger(
      runtime,
      terminals.map((terminal) => terminal.deviceId),
    );
    while (!stopping.signal.aborted) {
      const report = await runTerminals({
        mqttUrl,
        mqttProtocolVersion: 4,
        terminals,
        cards,
        ratePerSecond: demoChargesPerSecond,
        durationMs: demoRoundMs,
        amountFen: { min: 500, max: 3_500 },
        seed,
        firstSeqs,
        stopSignal: stopping.signal,
      });
      runtime.logger.info(
        { byStatus: report.byStatus, byCode: report.byCode, p99Ms: report.latencyMs.p99 },
        'simulated terminals: round done',
      );
      firstSeqs = report.nextSeqs;
      seed += 1;
    }
  })();
  return {
    stop: async () => {
      // The round in progress ends at once and only waits for the answers still outstanding.
      stopping.abort();
      await rounds.catch((error) =>
        runtime.logger.warn({ err: error }, 'simulated terminals stopped with an error'),
      );
    },
  };
};
