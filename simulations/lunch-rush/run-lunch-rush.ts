import { deriveDeviceSecret, positionToString } from '../../ledger-core/index.ts';
import { waitForPosition } from '../../projections/index.ts';
import type { LedgerConfig } from '../../runtime/config.ts';
import type { Logger } from '../../runtime/logger.ts';
import { planCampus } from '../campus/campus-plan.ts';
import { seedCampus } from '../campus/seed-campus.ts';
import { type SimStack, startSimStack } from '../scenarios/sim-stack.ts';
import { summarizeLatencies } from '../terminals/index.ts';
import { connectFleet, type OfflineWindow } from './fleet.ts';
import {
  balancesDigest,
  checkConservation,
  checkIdempotency,
  checkNoOverdraft,
  checkReplayEqualsLive,
  checkResponses,
  finalBalances,
  type InvariantCheck,
} from './invariant-checks.ts';
import type { StudentModel } from './oracle.ts';
import { playStudent, type RequestRecord } from './student-actor.ts';
import { planStudentScripts } from './student-scripts.ts';

export type FaultRecord = { fault: string; atMs: number; durationMs: number; detail: string };

export type LunchRushOptions = {
  base: LedgerConfig;
  logger: Logger;
  students: number;
  terminals: number;
  minutes: number;
  seed: number;
  /** Ceiling on requests per second over all terminals; undefined leaves the rush curve alone. */
  rate?: number;
  keep?: boolean;
  privateMqtt?: boolean;
  privateKafka?: boolean;
  /** Fault injection running beside the rush (the faults scenario). */
  faults?: (stack: SimStack, runStart: number, runDurationMs: number) => Promise<FaultRecord[]>;
  onProgress?: (done: number, total: number) => void;
};

export type LunchRushReport = {
  scenario: string;
  seed: number;
  stack: SimStack['describe'];
  students: number;
  terminals: number;
  offlineTerminals: number;
  requests: number;
  byOutcome: Record<string, number>;
  duplicatesInjected: number;
  offlineUploads: number;
  durationMs: number;
  requestsPerSecond: number;
  latencyMs: ReturnType<typeof summarizeLatencies>;
  faults: FaultRecord[];
  checks: InvariantCheck[];
  balancesDigest: string;
  ok: boolean;
};

const settleWaitMs = 120_000;
const shopAndKioskTerminals = 5;
/** Share of canteen terminals that lose their network during the rush, and when (share of the run). */
const offlineTerminalShare = 0.1;
const offlineWindowShare = { start: 0.35, end: 0.55 };

const offlineWindowsOf = (deviceIds: string[], runDurationMs: number): OfflineWindow[] =>
  deviceIds.slice(0, Math.max(1, Math.round(deviceIds.length * offlineTerminalShare))).map((deviceId) => ({
    deviceId,
    startMs: Math.round(runDurationMs * offlineWindowShare.start),
    endMs: Math.round(runDurationMs * offlineWindowShare.end),
  }));

const outcomeOf = (record: RequestRecord): string => {
  const response = record.asked.response;
  if (!response) return 'unanswered';
  return response.status === 'accepted' ? 'accepted' : (response.code ?? 'rejected');
};

export const runLunchRush = async (options: LunchRushOptions): Promise<LunchRushReport> => {
  const runDurationMs = options.minutes * 60_000;
  const stack = await startSimStack({
    base: options.base,
    logger: options.logger,
    ...(options.keep !== undefined ? { keep: options.keep } : {}),
    ...(options.privateMqtt !== undefined ? { privateMqtt: options.privateMqtt } : {}),
    ...(options.privateKafka !== undefined ? { privateKafka: options.privateKafka } : {}),
  });
  try {
    const { runtime } = stack;
    const plan = planCampus({
      students: options.students,
      seed: options.seed,
      terminalsPerCanteen: Math.max(1, Math.ceil((options.terminals - shopAndKioskTerminals) / 3)),
    });
    await seedCampus(runtime.handler, plan, new Date().toISOString());
    await waitForPosition(runtime.db, await runtime.store.headPosition(), settleWaitMs);

    const canteenTerminals = plan.devices
      .filter((device) => device.merchantId.startsWith('canteen-'))
      .map((device) => device.deviceId);
    const offlineWindows = offlineWindowsOf(canteenTerminals, runDurationMs);
    const fleet = await connectFleet({
      mqttUrl: stack.mqttUrl,
      topicPrefix: runtime.config.mqttTopicPrefix,
      mqttProtocolVersion: stack.mqttProtocolVersion,
      credentials: plan.devices.map((device) => ({
        deviceId: device.deviceId,
        secret: deriveDeviceSecret(runtime.config.deviceMasterKey, device.deviceId, device.keyId),
      })),
      offlineWindows,
      seed: options.seed,
      ...(options.rate !== undefined ? { maxRequestsPerSecond: options.rate } : {}),
    });
    const scripts = planStudentScripts(plan, options.seed);
    const records: RequestRecord[] = [];
    const violations: string[] = [];
    const models = new Map<string, StudentModel>();

    const runStart = performance.now();
    const windows = fleet.runWindows(runStart);
    const faults = options.faults ? options.faults(stack, runStart, runDurationMs) : Promise.resolve([]);
    let finished = 0;
    await Promise.all(
      scripts.map(async (script) => {
        const model = await playStudent(script, {
          fleet,
          handler: runtime.handler,
          runStart,
          runDurationMs,
          record: (record) => records.push(record),
          violation: (text) => violations.push(text),
        });
        models.set(script.student.accountId, model);
        finished += 1;
        options.onProgress?.(finished, scripts.length);
      }),
    );
    await windows;
    const faultRecords = await faults;
    const durationMs = performance.now() - runStart;
    await fleet.close();

    const head = await runtime.store.headPosition();
    const caughtUp = await waitForPosition(runtime.db, head, settleWaitMs);
    const checks: InvariantCheck[] = [
      {
        name: 'read models caught up',
        ok: caughtUp.reached,
        detail: `at ${positionToString(caughtUp.position)} of ${positionToString(head)}`,
      },
      ...checkResponses(records, violations),
    ];
    const balances = await finalBalances(runtime.db);
    checks.push(await checkConservation(runtime.db, models, balances));
    checks.push(checkNoOverdraft(models, balances));
    checks.push(await checkIdempotency(runtime.db, records));
    checks.push(await checkReplayEqualsLive(runtime.store, runtime.db, runtime.config.timeZone));

    const byOutcome: Record<string, number> = {};
    for (const record of records) byOutcome[outcomeOf(record)] = (byOutcome[outcomeOf(record)] ?? 0) + 1;
    const online = records.filter((record) => !record.offline && record.asked.response);
    return {
      scenario: options.faults ? 'faults' : 'lunch-rush',
      seed: options.seed,
      stack: stack.describe,
      students: options.students,
      terminals: plan.devices.length,
      offlineTerminals: offlineWindows.length,
      requests: records.length,
      byOutcome,
      duplicatesInjected: records.reduce((sum, record) => sum + record.duplicatesInjected, 0),
      offlineUploads: records.filter((record) => record.offline).length,
      durationMs: Math.round(durationMs),
      requestsPerSecond: Math.round((records.length / durationMs) * 1_000 * 10) / 10,
      latencyMs: summarizeLatencies(online.map((record) => record.asked.latencyMs)),
      faults: faultRecords,
      checks,
      balancesDigest: balancesDigest(balances),
      ok: checks.every((entry) => entry.ok),
    };
  } finally {
    await stack.close();
  }
};
