import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, eventHash, genesisHash } from './hash-chain.ts';

// Every stored hash was computed over this text: the canonical form may get faster, never different.

/** The first implementation, kept as the oracle the current one must agree with. */
const referenceCanonicalJson = (value: unknown): string => {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((item) => referenceCanonicalJson(item ?? null)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, member]) => member !== undefined)
    .sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0));
  return `{${entries.map(([key, member]) => `${JSON.stringify(key)}:${referenceCanonicalJson(member)}`).join(',')}}`;
};

describe('canonical JSON', () => {
  it('sorts keys at every depth, drops undefined members, keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: true, y: null }], c: undefined }, é: 'x', A: '' })).toBe(
      '{"A":"","a":{"d":[3,{"y":null,"z":true}]},"b":1,"é":"x"}',
    );
    expect(canonicalJson([undefined, {}, []])).toBe('[null,{},[]]');
    expect(canonicalJson('6222"\n')).toBe('"6222\\"\\n"');
  });

  it('gives the text of the first implementation for any JSON value, and for undefined members', () => {
    const withUndefined = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.jsonValue({ maxDepth: 1 }),
        fc.constant(undefined),
        fc.array(tie('value'), { maxLength: 4 }),
        fc.dictionary(fc.string({ unit: 'grapheme', maxLength: 6 }), tie('value'), { maxKeys: 5 }),
      ),
    })).value;
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), withUndefined), (value) => {
        expect(canonicalJson(value)).toBe(referenceCanonicalJson(value));
      }),
      { numRuns: 500 },
    );
  });

  it('hashes an event as it always has', () => {
    const data = { accountId: 'a-1', txId: 't-1', amount: '12.50', merchantId: 'canteen', offline: false };
    expect(eventHash(genesisHash, 0, 'Charged', data)).toBe(
      '5ce5f10cd049d3b1350395c92327fe1c2f6baffba1161f9af7632863d50883ce',
    );
  });
});
