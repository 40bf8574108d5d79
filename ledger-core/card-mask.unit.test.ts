import { describe, expect, it } from 'vitest';
import { maskCardFields, maskCardNo, maskCardNumbersInText, maskingChildBindings } from './card-mask.ts';

const cardNo = '6222021234567890';
const masked = '6222********7890';

describe('card masking', () => {
  it('shows at most the first and last four digits, never more than half of a short number', () => {
    expect(maskCardNo(cardNo)).toBe(masked);
    expect(maskCardNo('12345678')).toBe('****5678');
  });

  it('masks card fields three levels deep, in objects and arrays, and nothing deeper', () => {
    const line = {
      cardNo,
      body: { newCardNo: cardNo, holder: 'Li' },
      batch: [{ oldCardNo: cardNo }],
      deep: { a: { b: { cardNo } } },
    };
    expect(maskCardFields(line)).toEqual({
      cardNo: masked,
      body: { newCardNo: masked, holder: 'Li' },
      batch: [{ oldCardNo: masked }],
      deep: { a: { b: { cardNo } } },
    });
    expect(line.cardNo).toBe(cardNo);
    expect(line.body.newCardNo).toBe(cardNo);
  });

  it('returns a line without card fields as it is, and leaves class instances to their serializers', () => {
    const clean = { reqId: 'r1', res: { statusCode: 200 }, list: [1, 2] };
    expect(maskCardFields(clean)).toBe(clean);
    const error = Object.assign(new Error('refused'), { cardNo });
    const line = { err: error };
    expect(maskCardFields(line)).toBe(line);
    expect(maskCardFields('text')).toBe('text');
  });

  it('masks digit runs of 8 to 19 digits in text, glued to words too', () => {
    expect(maskCardNumbersInText(`card_${cardNo}_x at position 42`)).toBe(`card_${masked}_x at position 42`);
  });

  it('masks card fields in the bindings of children and of their children', () => {
    const bound: Record<string, unknown>[] = [];
    type Fake = { child: (bindings: Record<string, unknown>) => Fake };
    const fake: Fake = {
      child(bindings) {
        bound.push(bindings);
        return Object.create(this);
      },
    };
    const logger = maskingChildBindings(fake);
    logger.child({ cardNo }).child({ nested: { newCardNo: cardNo } });
    expect(bound).toEqual([{ cardNo: masked }, { nested: { newCardNo: masked } }]);
  });
});
