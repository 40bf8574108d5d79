import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';

// What the environment's OpenTelemetry settings become: a collector's headers in OpenTelemetry's
// `key=value,key=value` format (values URL-encoded), and an empty variable means none.

describe('OTLP settings from the environment', () => {
  it('parses the export headers, decoding their values', () => {
    const config = loadConfig({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_HEADERS: 'api-key=abc%3D1,tenant = campus',
    });
    expect(config.otlpEndpoint).toBe('http://collector:4318');
    expect(config.otlpHeaders).toEqual({ 'api-key': 'abc=1', tenant: 'campus' });
  });

  it('takes unset or empty variables as no endpoint and no headers', () => {
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: '', OTEL_EXPORTER_OTLP_HEADERS: '' })).toMatchObject({
      otlpEndpoint: undefined,
      otlpHeaders: undefined,
    });
    expect(loadConfig({}).otlpHeaders).toBeUndefined();
  });
});
