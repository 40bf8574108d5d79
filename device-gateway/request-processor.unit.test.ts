import { describe, expect, it } from 'vitest';
import { deriveDeviceSecret, signDevicePayload, startPosition } from '../ledger-core/index.ts';
import { capturingJsonLogger } from '../testing/log-capture.ts';
import { createRequestProcessor } from './request-processor.ts';

// A request the ledger could not handle for a reason of its own (not a rejection): the device is told
// `unavailable` so that it sends the request again, and the one line logged about it names the
// request's trace, so an operator goes from the line to the payment's spans.

const masterKey = 'request-processor-test-key';
const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const traceparent = `00-${traceId}-00f067aa0ba902b7-00`;

const processorWhoseLedgerFails = () => {
  const { logger, lines } = capturingJsonLogger();
  const processor = createRequestProcessor({
    handler: {
      handle: async () => {
        throw new Error('connection terminated unexpectedly');
      },
      load: async () => {
        throw new Error('not used');
      },
    },
    directory: {
      findDevice: async (deviceId) => ({
        deviceId,
        merchantId: 'canteen-1',
        kind: 'pos',
        keyId: 'k1',
        active: true,
        version: startPosition,
      }),
      findCard: async (cardNo) => ({ cardNo, accountId: 'alice', status: 'current' }),
    },
    statusWriter: { recordApplied: () => undefined, recordSeen: () => undefined },
    deviceMasterKey: masterKey,
    clock: () => new Date(),
    logger,
  });
  return { processor, lines };
};

describe('a request the ledger fails on', () => {
  it('is answered unavailable, and its log line carries the request’s trace', async () => {
    const { processor, lines } = processorWhoseLedgerFails();
    const request = {
      seq: 4,
      type: 'charge',
      cardNo: '6217000012345678',
      amount: '12.50',
      occurredAt: new Date().toISOString(),
    };
    const signed = {
      ...request,
      sig: signDevicePayload(deriveDeviceSecret(masterKey, 'pos-1', 'k1'), request),
    };

    const processed = await processor.process('pos-1', Buffer.from(JSON.stringify(signed)), traceparent);

    expect(processed.response).toMatchObject({ seq: 4, status: 'rejected', code: 'unavailable' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      msg: 'device request failed; the device will send it again',
      txId: 'pos-1-4',
      trace_id: traceId,
      span_id: '00f067aa0ba902b7',
      trace_flags: '00',
    });
  });
});
