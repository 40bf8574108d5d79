import { describe, expect, it } from 'vitest';
import { parseDeviceRequest } from './parse-request.ts';
import { mayDeviceKindSend } from './request-schema.ts';

const sig = 'a'.repeat(64);
const base = { seq: 7, cardNo: '6200000000000001', occurredAt: '2026-03-01T12:00:00+08:00', sig };
const parse = (value: unknown) => parseDeviceRequest(Buffer.from(JSON.stringify(value)));

describe('parseDeviceRequest', () => {
  it('accepts each request type with exactly its fields, normalising amounts', () => {
    const charge = parse({ ...base, type: 'charge', amount: '12.5', offline: true });
    expect(charge.ok && charge.request).toMatchObject({ type: 'charge', amount: '12.50', offline: true });
    expect(parse({ ...base, type: 'refund', amount: '1.00', chargeSeq: 3 }).ok).toBe(true);
    expect(parse({ ...base, type: 'top-up', amount: '100' }).ok).toBe(true);
    expect(parse({ ...base, type: 'bill-payment', amount: '9.90', payee: 'water', billRef: 'b-1' }).ok).toBe(
      true,
    );
    expect(parse({ ...base, type: 'balance' }).ok).toBe(true);
  });

  it('keeps the raw object for the signature, which covers what the device sent', () => {
    const parsed = parse({ ...base, type: 'charge', amount: '12.5' });
    expect(parsed.ok && parsed.raw.amount).toBe('12.5');
  });

  it.each([
    ['a charge without amount', { ...base, type: 'charge' }],
    ['a refund without chargeSeq', { ...base, type: 'refund', amount: '1.00' }],
    ['a bill payment without payee', { ...base, type: 'bill-payment', amount: '1.00', billRef: 'x' }],
    ['a balance with an amount', { ...base, type: 'balance', amount: '1.00' }],
    ['an offline refund', { ...base, type: 'refund', amount: '1.00', chargeSeq: 1, offline: true }],
    ['a field the type does not have', { ...base, type: 'charge', amount: '1.00', merchantId: 'm' }],
    ['an amount as a number', { ...base, type: 'charge', amount: 1 }],
    ['three decimal places', { ...base, type: 'charge', amount: '1.001' }],
    ['a short card number', { ...base, type: 'charge', amount: '1.00', cardNo: '123' }],
    ['an unknown type', { ...base, type: 'close' }],
    ['a time without offset', { ...base, type: 'balance', occurredAt: '2026-03-01T12:00:00' }],
  ])('refuses %s, still naming its seq', (_name, value) => {
    expect(parse(value)).toMatchObject({ ok: false, reason: 'invalid', seq: 7 });
  });

  it('refuses what is not a request before or while parsing, without a seq', () => {
    expect(parseDeviceRequest(Buffer.from('{"seq": 1,'))).toEqual({
      ok: false,
      reason: 'not_json',
      seq: null,
    });
    expect(parse([1, 2])).toEqual({ ok: false, reason: 'invalid', seq: null });
    expect(parse(null)).toEqual({ ok: false, reason: 'invalid', seq: null });
    expect(parse({ ...base, seq: -1, type: 'balance' })).toMatchObject({ ok: false, seq: null });
    const huge = Buffer.alloc(4_097, ' ');
    expect(parseDeviceRequest(huge)).toEqual({ ok: false, reason: 'too_large', seq: null });
  });
});

describe('request types by device kind', () => {
  it('lets a POS sell and a kiosk take money in', () => {
    expect(mayDeviceKindSend('pos', 'charge')).toBe(true);
    expect(mayDeviceKindSend('pos', 'refund')).toBe(true);
    expect(mayDeviceKindSend('pos', 'top-up')).toBe(false);
    expect(mayDeviceKindSend('pos', 'bill-payment')).toBe(false);
    expect(mayDeviceKindSend('kiosk', 'top-up')).toBe(true);
    expect(mayDeviceKindSend('kiosk', 'bill-payment')).toBe(true);
    expect(mayDeviceKindSend('kiosk', 'charge')).toBe(false);
    expect(mayDeviceKindSend('kiosk', 'balance')).toBe(true);
  });
});
