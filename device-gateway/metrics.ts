import { Counter, Gauge, Histogram, Registry } from 'prom-client';

// Prometheus metrics of the gateway. Without a registry from the caller they go to a private one, so
// two gateways in one process (tests) never collide.

export type GatewayMetrics = ReturnType<typeof createGatewayMetrics>;

export type GarbageReason =
  | 'bad_topic'
  | 'too_large'
  | 'not_json'
  | 'invalid'
  | 'bad_signature'
  | 'unknown_device';

export const createGatewayMetrics = (registry: Registry = new Registry()) => {
  const registers = [registry];
  return {
    registry,
    requests: new Counter({
      name: 'device_gateway_requests_total',
      help: 'Device requests answered, by request type, status and code',
      labelNames: ['type', 'status', 'code'] as const,
      registers,
    }),
    garbage: new Counter({
      name: 'device_gateway_garbage_total',
      help: 'Messages refused before reaching the ledger, by reason',
      labelNames: ['reason'] as const,
      registers,
    }),
    duration: new Histogram({
      name: 'device_gateway_request_duration_seconds',
      help: 'From receiving a request to handing its response to the MQTT client',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    inflight: new Gauge({
      name: 'device_gateway_inflight_requests',
      help: 'Requests being processed',
      registers,
    }),
    pauses: new Counter({
      name: 'device_gateway_read_pauses_total',
      help: 'Times the gateway stopped reading from the broker because maxInflightCommands were in flight',
      registers,
    }),
    pushes: new Counter({
      name: 'device_gateway_pushes_total',
      help: 'Retained pushes to devices, by kind',
      labelNames: ['kind'] as const,
      registers,
    }),
  };
};
