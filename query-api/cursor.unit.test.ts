import { describe, expect, it } from 'vitest';
import { isLedgerRejection } from '../ledger-core/index.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';

describe('transaction page cursors', () => {
  it('round-trips a position, however large', () => {
    for (const position of [1n, 42n, 9_223_372_036_854_775_807n])
      expect(decodeCursor(encodeCursor(position))).toBe(position);
  });

  it.each([
    '',
    'zzz',
    Buffer.from('p:').toString('base64url'),
    Buffer.from('p:-1').toString('base64url'),
    Buffer.from("p:1' OR 1=1").toString('base64url'),
  ])('refuses %j as validation_failed', (cursor) => {
    let refusal: unknown;
    try {
      decodeCursor(cursor);
    } catch (error) {
      refusal = error;
    }
    expect(isLedgerRejection(refusal) && refusal.code).toBe('validation_failed');
  });
});
