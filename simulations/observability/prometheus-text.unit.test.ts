import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { parsePrometheusText, sampleSum } from './prometheus-text.ts';

describe('strict Prometheus text reader', () => {
  it("reads prom-client's exposition of every metric kind, escaped label values included", async () => {
    const registry = new Registry();
    const counter = new Counter({
      name: 'jobs_total',
      help: 'Jobs',
      labelNames: ['kind'],
      registers: [registry],
    });
    counter.inc({ kind: 'a "quoted"\\path\nline' }, 2);
    counter.inc({ kind: 'plain' }, 3);
    new Gauge({ name: 'queue_depth', help: 'Depth', registers: [registry] }).set(-1.5);
    new Histogram({ name: 'wait_seconds', help: 'Wait', buckets: [0.1, 1], registers: [registry] }).observe(
      0.5,
    );

    const exposition = parsePrometheusText(await registry.metrics());
    expect(exposition.types.get('jobs_total')).toBe('counter');
    expect(sampleSum(exposition, 'jobs_total')).toBe(5);
    expect(sampleSum(exposition, 'jobs_total', { kind: 'a "quoted"\\path\nline' })).toBe(2);
    expect(sampleSum(exposition, 'queue_depth')).toBe(-1.5);
    expect(sampleSum(exposition, 'wait_seconds_bucket', { le: '+Inf' })).toBe(1);
    expect(sampleSum(exposition, 'wait_seconds_bucket', { le: '0.1' })).toBe(0);
    expect(sampleSum(exposition, 'wait_seconds_count')).toBe(1);
  });

  it('reads NaN and Inf in any letter case, as Prometheus does ("Nan" is what prom-client writes)', () => {
    const exposition = parsePrometheusText('# TYPE x gauge\nx{a="1"} Nan\nx{a="2"} +inf\nx{a="3"} -Inf\n');
    expect(sampleSum(exposition, 'x', { a: '1' })).toBeNaN();
    expect(sampleSum(exposition, 'x', { a: '2' })).toBe(Number.POSITIVE_INFINITY);
    expect(sampleSum(exposition, 'x', { a: '3' })).toBe(Number.NEGATIVE_INFINITY);
  });

  it.each([
    ['a sample of an undeclared family', 'other_total 1'],
    ['an unquoted label value', '# TYPE x counter\nx{kind=a} 1'],
    ['a bad escape', '# TYPE x counter\nx{kind="\\t"} 1'],
    ['a value that is not a float', '# TYPE x gauge\nx 12,5'],
    ['a duplicate label', '# TYPE x gauge\nx{a="1",a="2"} 1'],
    ['an unknown type', '# TYPE x meter\nx 1'],
    ['a histogram sample without its suffix', '# TYPE h histogram\nh 1'],
    ['a stray comment', '#TYPE x gauge'],
    ['a bad metric name', '# TYPE 1x gauge\n1x 1'],
  ])('refuses %s', (_case, text) => {
    expect(() => parsePrometheusText(text)).toThrow();
  });
});
