import { describe, expect, it } from 'vitest';
import { planCampus } from '../campus/campus-plan.ts';
import { expectCharge, newStudentModel } from './oracle.ts';
import { lunchWindowMinutes } from './rush-curve.ts';
import { planStudentScripts } from './student-scripts.ts';

describe('lunch-rush scripts', () => {
  const plan = planCampus({ students: 400, seed: 11 });

  it('are the same for the same seed and differ for another', () => {
    expect(planStudentScripts(plan, 5)).toEqual(planStudentScripts(plan, 5));
    expect(planStudentScripts(plan, 6)).not.toEqual(planStudentScripts(plan, 5));
  });

  it('keep every step inside the lunch window and in time order per student', () => {
    for (const { steps } of planStudentScripts(plan, 5)) {
      const minutes = steps.map((step) => step.atMinute);
      expect(minutes).toEqual([...minutes].sort((a, b) => a - b));
      for (const minute of minutes) {
        expect(minute).toBeGreaterThanOrEqual(0);
        expect(minute).toBeLessThan(lunchWindowMinutes);
      }
    }
  });

  it('include every kind of step the rush needs', () => {
    const kinds = new Set(planStudentScripts(plan, 5).flatMap(({ steps }) => steps.map((step) => step.kind)));
    expect([...kinds].sort()).toEqual([
      'balance',
      'bill-payment',
      'charge',
      'refund-last-charge',
      'report-lost-and-replace',
      'top-up',
    ]);
  });
});

describe('the reference model', () => {
  it('refuses an online charge above the balance but takes an offline one into debt', () => {
    const model = newStudentModel('620000000001', '5.00');
    expect(
      expectCharge(model, {
        cardNo: '620000000001',
        amount: '12.00',
        offline: false,
        deviceId: 'pos-1',
        seq: 1,
      }),
    ).toEqual({
      status: 'rejected',
      code: 'insufficient_funds',
    });
    expect(
      expectCharge(model, {
        cardNo: '620000000001',
        amount: '12.00',
        offline: true,
        deviceId: 'pos-1',
        seq: 2,
      }),
    ).toEqual({
      status: 'accepted',
      balance: '-7.00',
    });
    expect(model.offlineCharges).toBe(1);
  });
});
