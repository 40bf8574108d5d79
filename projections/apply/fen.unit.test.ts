import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatMoney, fromFen, money, toFen } from '../../ledger-core/index.ts';
import { fenOf, formatFen } from './fen.ts';

describe('fen', () => {
  it('round-trips with ledger-core money for every amount', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -100_000_000_000n, max: 100_000_000_000n }), (fen) => {
        const text = formatMoney(fromFen(fen));
        expect(formatFen(fen)).toBe(text);
        expect(fenOf(text)).toBe(fen);
        expect(toFen(money(text))).toBe(fen);
      }),
    );
  });

  it('refuses what is not a canonical two-place amount', () => {
    for (const text of ['12.5', '12', '012.50', '1e3', '', '-', '12.500', ' 1.00']) {
      expect(() => fenOf(text)).toThrow('not a canonical money amount');
    }
  });
});
