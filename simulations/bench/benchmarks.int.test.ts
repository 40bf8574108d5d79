import { describe, expect, it } from 'vitest';
import { serviceAvailable, serviceUrls } from '../../testing/services.ts';
import type { Benchmark, BenchmarkOptions } from './benchmark.ts';
import { coreBenchmark } from './core.ts';
import { gatewayBenchmark } from './gateway.ts';
import { httpBenchmark } from './http.ts';
import { projectionsBenchmark } from './projections.ts';
import { replayBenchmark } from './replay.ts';

// Every benchmark run end to end at a tiny size, so `npm run bench -- <name>` keeps working on a
// clean clone: the figures are not looked at (timings are never asserted), only that each phase ran,
// did its work without errors and reported it.

const postgresUp = await serviceAvailable('postgres');
const kafkaUp = postgresUp && (await serviceAvailable('kafka'));

const run = (benchmark: Benchmark, parameters: Record<string, string>) => {
  const options: BenchmarkOptions = {
    databaseUrl: serviceUrls.postgres,
    kafkaBrokers: serviceUrls.kafka.split(','),
    timeZone: 'Asia/Shanghai',
    parameters,
    log: () => undefined,
  };
  // biome-ignore lint/suspicious/noExplicitAny: each benchmark's result has its own shape
  return benchmark.run(options) as Promise<any>;
};

describe.skipIf(!postgresUp)('the benchmarks, at a tiny size', () => {
  it('core: handler, CRUD baseline and INSERT ceiling at each concurrency', async () => {
    const result = await run(coreBenchmark, { seconds: '1', accounts: '50', concurrency: '1,8' });
    expect(result.handler).toHaveLength(2);
    expect(result.crudBaseline).toHaveLength(2);
    for (const phase of [...result.handler, ...result.crudBaseline]) {
      expect(phase.operations).toBeGreaterThan(0);
      expect(phase.failureCodes).toEqual({});
    }
  }, 120_000);

  it('replay: the whole seeded log replayed and its chains verified intact', async () => {
    const result = await run(replayBenchmark, { events: '3000' });
    expect(result.replay.eventsPerSecond).toBeGreaterThan(0);
    expect(result.readLog.eventsPerSecond).toBeGreaterThan(0);
    expect(result.events).toBeGreaterThanOrEqual(3000);
    expect(result.verifyChain).toMatchObject({ intact: true });
    // The whole machine's CPU, from /proc/stat (Linux, as here and in CI).
    expect(result.replay.machineCpuMicrosecondsPerEvent).toBeGreaterThan(0);
    expect(result.replay.targetNeedsCores).toBeGreaterThan(0);
  }, 120_000);

  it('http: handler, HTTP, the HTTP layer alone and Node without a framework, every request 2xx', async () => {
    const result = await run(httpBenchmark, { seconds: '1', rounds: '1', accounts: '50', connections: '8' });
    for (const figures of [result.handler, result.http, result.httpLayerAlone, result.nodeHttpFloor]) {
      expect(figures.completed).toBeGreaterThan(0);
      expect(figures.errors).toBe(0);
    }
    expect(result.httpToHandlerRatio).toBeGreaterThan(0);
    expect(result.http.machineCpu?.cpuMsPerOperation).toBeGreaterThan(0);
    // Where it went: the server's main thread, autocannon's worker thread, the store's Postgres backends.
    expect(result.http.processCpu?.mainThreadMsPerOperation).toBeGreaterThan(0);
    expect(result.http.processCpu?.otherThreadsMsPerOperation).toBeGreaterThan(0);
    expect(result.http.postgresCpuMsPerOperation).toBeGreaterThan(0);
    expect(result.targetNeedsCores).toBeGreaterThan(0);
  }, 120_000);

  it('gateway: every request the gateway received answered, none garbled', async () => {
    const result = await run(gatewayBenchmark, { seconds: '1', terminals: '4', cards: '40' });
    expect(result.phases).toHaveLength(3);
    for (const phase of result.phases) expect(phase.accepted).toBeGreaterThan(0);
    expect(result.gateway.stats.answered).toBe(result.gateway.stats.received);
    expect(result.gateway.stats.garbage).toBe(0);
    expect(result.targets.rateTargetNeedsCores).toBeGreaterThan(0);
  }, 120_000);
});

describe.skipIf(!kafkaUp)('the projections benchmark, at a tiny size', () => {
  it('projections: applied from Kafka, lag measured at each offered load, rebuilt', async () => {
    const result = await run(projectionsBenchmark, {
      // More than one batch of the projector (about 9,000 envelopes), so its rate can be timed.
      'kafka-events': '30000',
      'rebuild-events': '2000',
      seconds: '1',
      warmup: '1',
    });
    expect(result.kafkaApply.events).toBeGreaterThanOrEqual(30000);
    expect(result.kafkaApply.projectorEventsPerSecond).toBeGreaterThan(0);
    expect(result.lag.length).toBeGreaterThan(0);
    for (const load of result.lag) expect(load.events).toBeGreaterThan(0);
    expect(result.rebuild.events).toBeGreaterThanOrEqual(2000);
  }, 180_000);
});
