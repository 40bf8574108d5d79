// A strict reader of the Prometheus text exposition format (version 0.0.4), for tests that scrape
// /metrics: every line must be a HELP, a TYPE, a blank line or a sample of a declared family, with
// well-formed names, quoted and escaped label values and a float value. Anything else throws.

export type Sample = { name: string; labels: Record<string, string>; value: number };
export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
export type Exposition = { types: Map<string, MetricType>; samples: Sample[] };

const metricName = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const metricTypes: ReadonlySet<string> = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const suffixesOf: Record<MetricType, readonly string[]> = {
  counter: ['', '_total'],
  gauge: [''],
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['', '_sum', '_count'],
  untyped: [''],
};

// Prometheus reads values with Go's ParseFloat, which takes NaN and Inf in any letter case; prom-client
// writes an empty summary's mean as "Nan".
const parseValue = (text: string, line: string): number => {
  const word = text.toLowerCase();
  if (word === '+inf' || word === 'inf') return Number.POSITIVE_INFINITY;
  if (word === '-inf') return Number.NEGATIVE_INFINITY;
  if (word === 'nan') return Number.NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`bad value in: ${line}`);
  return Number(text);
};

/** Reads `{a="x",b="y"}` from `text` at `start`; returns the labels and the index after `}`. */
const parseLabels = (text: string, start: number, line: string) => {
  const labels: Record<string, string> = {};
  let index = start + 1;
  for (;;) {
    if (text[index] === '}') return { labels, end: index + 1 };
    const equals = text.indexOf('=', index);
    if (equals < 0) throw new Error(`bad labels in: ${line}`);
    const name = text.slice(index, equals);
    if (!labelName.test(name) || name in labels || text[equals + 1] !== '"') {
      throw new Error(`bad label ${name} in: ${line}`);
    }
    let value = '';
    index = equals + 2;
    for (;;) {
      const char = text[index];
      if (char === undefined) throw new Error(`unterminated label value in: ${line}`);
      if (char === '"') break;
      if (char === '\\') {
        const escaped = text[index + 1];
        if (escaped === 'n') value += '\n';
        else if (escaped === '\\' || escaped === '"') value += escaped;
        else throw new Error(`bad escape in: ${line}`);
        index += 2;
      } else {
        value += char;
        index += 1;
      }
    }
    labels[name] = value;
    index += 1;
    if (text[index] === ',') index += 1;
    else if (text[index] !== '}') throw new Error(`bad label separator in: ${line}`);
  }
};

const familyOf = (name: string, types: Map<string, MetricType>): string | undefined => {
  for (const [family, type] of types) {
    if (suffixesOf[type].some((suffix) => `${family}${suffix}` === name)) return family;
  }
  return undefined;
};

export const parsePrometheusText = (text: string): Exposition => {
  const types = new Map<string, MetricType>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      const match = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!match) throw new Error(`bad comment line: ${line}`);
      const [, kind, name = '', rest = ''] = match;
      if (!metricName.test(name)) throw new Error(`bad metric name: ${line}`);
      if (kind === 'TYPE') {
        if (!metricTypes.has(rest)) throw new Error(`bad type: ${line}`);
        if (types.has(name)) throw new Error(`type declared twice: ${line}`);
        types.set(name, rest as MetricType);
      }
      continue;
    }
    const nameEnd = line.search(/[{ ]/);
    if (nameEnd <= 0) throw new Error(`bad sample line: ${line}`);
    const name = line.slice(0, nameEnd);
    if (!metricName.test(name)) throw new Error(`bad metric name: ${line}`);
    if (!familyOf(name, types)) throw new Error(`sample of an undeclared family: ${line}`);
    const { labels, end } =
      line[nameEnd] === '{' ? parseLabels(line, nameEnd, line) : { labels: {}, end: nameEnd };
    const fields = line.slice(end).trim().split(' ');
    if (line[end] !== ' ' || fields.length < 1 || fields.length > 2)
      throw new Error(`bad sample line: ${line}`);
    if (fields[1] !== undefined && !/^-?\d+$/.test(fields[1])) throw new Error(`bad timestamp: ${line}`);
    samples.push({ name, labels, value: parseValue(fields[0] ?? '', line) });
  }
  return { types, samples };
};

/** Sum of the samples named `name` whose labels include `labels`. */
export const sampleSum = (
  exposition: Exposition,
  name: string,
  labels: Record<string, string> = {},
): number =>
  exposition.samples
    .filter(
      (sample) =>
        sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
    )
    .reduce((sum, sample) => sum + sample.value, 0);

/** Whether any sample is named `name` with labels including `labels`. */
export const hasSample = (exposition: Exposition, name: string, labels: Record<string, string> = {}) =>
  exposition.samples.some(
    (sample) =>
      sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  );
