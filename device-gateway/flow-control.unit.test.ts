import { describe, expect, it } from 'vitest';
import { createInflightGate } from './flow-control.ts';

describe('in-flight gate', () => {
  it('lets the client read on while there is room, parks it at the limit, and resumes on release', async () => {
    let pauses = 0;
    const gate = createInflightGate(2, () => {
      pauses += 1;
    });
    const readOns: string[] = [];
    gate.admit();
    gate.gate(() => readOns.push('first'));
    gate.admit();
    gate.gate(() => readOns.push('second'));
    expect(readOns).toEqual(['first']);
    expect(pauses).toBe(1);
    expect(gate.inflight()).toBe(2);

    gate.release();
    expect(readOns).toEqual(['first', 'second']);
    const drained = gate.drained(1_000);
    gate.release();
    await drained;
    expect(gate.inflight()).toBe(0);
    expect(gate.maxInflightSeen()).toBe(2);
    expect(gate.pauses()).toBe(1);
  });

  it('refuses a limit below one', () => {
    expect(() => createInflightGate(0, () => undefined)).toThrow(/maxInflightCommands/);
  });
});
