import { Writable } from 'node:stream';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, describe, expect, it } from 'vitest';
import { inSpan, logFieldsOfSpan, logFieldsOfTraceparent, traceparentOfSpan } from '../ledger-core/index.ts';
import { createLogger } from './logger.ts';
import { startTelemetry } from './telemetry.ts';

// The runtime's logger: the trace and span ids of a span on the lines bound to it, and no card number in
// full, wherever it hides in a line. Telemetry (process-wide globals) is started here once, which is why
// this file is apart from other logger tests.

const exporter = new InMemorySpanExporter();
const processor = new SimpleSpanProcessor(exporter);
const telemetry = startTelemetry({
  serviceName: 'logger-test',
  spanProcessors: [processor],
});
afterAll(() => telemetry.shutdown());

const capture = () => {
  const lines: Array<Record<string, unknown>> = [];
  const raw: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      raw.push(String(chunk));
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { logger: createLogger({ level: 'debug', destination }), lines, raw };
};

describe('runtime logger', () => {
  it('binds a span’s trace and span ids to the lines about its work, in both context forms', async () => {
    const { logger, lines } = capture();
    logger.info('before');
    const ids = await inSpan('work', {}, async (span) => {
      const log = logger.child(logFieldsOfSpan(span));
      log.child({ component: 'child' }).debug('inside');
      logger.info(logFieldsOfTraceparent(traceparentOfSpan(span)), 'from its traceparent');
      return span.spanContext();
    });

    expect(lines.map((line) => line.msg)).toEqual(['before', 'inside', 'from its traceparent']);
    for (const line of [lines[1], lines[2]]) {
      expect(line).toMatchObject({ trace_id: ids.traceId, span_id: ids.spanId, trace_flags: '01' });
    }
    expect(lines[0]).not.toHaveProperty('trace_id');
    await processor.forceFlush();
    expect(exporter.getFinishedSpans().map((span) => span.spanContext().traceId)).toContain(ids.traceId);
  });

  it('gives no trace fields for a missing, malformed or all-zero traceparent', () => {
    expect(logFieldsOfSpan(undefined)).toEqual({});
    expect(logFieldsOfTraceparent(undefined)).toEqual({});
    expect(logFieldsOfTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7')).toEqual({});
    expect(logFieldsOfTraceparent(`00-${'0'.repeat(32)}-00f067aa0ba902b7-01`)).toEqual({});
    expect(logFieldsOfTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00')).toEqual({
      trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
      span_id: '00f067aa0ba902b7',
      trace_flags: '00',
    });
  });

  it('records no span under an unsampled parent traceparent, yet keeps its trace on the work and its lines', async () => {
    const { logger, lines } = capture();
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const unsampled = `00-${traceId}-00f067aa0ba902b7-00`;
    const sampled = `00-${traceId}-00f067aa0ba902b8-01`;
    exporter.reset();
    const underUnsampled = await inSpan(
      'unsampled-child',
      {},
      async (span) => {
        logger.info(logFieldsOfSpan(span), 'inside the unsampled trace');
        return { recording: span.isRecording(), traceparent: traceparentOfSpan(span) };
      },
      unsampled,
    );
    const underSampled = await inSpan('sampled-child', {}, async (span) => span.isRecording(), sampled);
    await processor.forceFlush();

    expect(underUnsampled).toEqual({ recording: false, traceparent: unsampled });
    expect(lines[0]).toMatchObject({ trace_id: traceId, trace_flags: '00' });
    expect(underSampled).toBe(true);
    expect(exporter.getFinishedSpans().map((span) => span.name)).toEqual(['sampled-child']);
  });

  it('masks card numbers in card fields, messages, glued to words, error messages, stacks and fields, and child bindings', () => {
    const { logger, raw } = capture();
    const cards = ['6222020000001234', '6222020000005678', '62220200000099', '6222020000004321'];
    logger.info({ cardNo: cards[0], request: { newCardNo: cards[1] } }, 'card fields');
    logger.info(`card ${cards[2]} refused`);
    logger.info(`card_${cards[3]}_x`);
    logger.error({ err: new Error(`charge failed for ${cards[0]}`) }, 'an error');
    logger.error(new Error(`direct error ${cards[1]}`));
    logger.error(new Error(`direct error ${cards[2]}`), 'with a message of its own');
    logger.error(
      { err: Object.assign(new Error('refused'), { details: { cardNo: cards[1] } }) },
      'own fields',
    );
    logger
      .child({ cardNo: cards[3] })
      .child({ step: { oldCardNo: cards[0] } })
      .info('bound to children');

    const written = raw.join('');
    for (const card of cards) expect(written).not.toContain(card);
    expect(written).toContain('6222********1234');
    expect(written).toContain('card_6222********4321_x');
    expect(written).toContain('charge failed for 6222********1234');
  });
});
