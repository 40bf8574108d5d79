import type { CampusPlan, PlannedStudent } from '../campus/campus-plan.ts';
import { createRandom, type Random } from '../terminals/index.ts';
import { drawArrivalMinute, lunchWindowMinutes } from './rush-curve.ts';

// What every student does during the rush, decided up front from the seed. A student's steps run one
// after the other (each waits for the previous answer), so the ledger's outcome for a student depends
// only on the student's own script: the same seed always ends with the same balances.

export type StudentStep =
  | {
      kind: 'charge';
      atMinute: number;
      deviceId: string;
      amount: string;
      copies: number;
      useOldCard?: boolean;
    }
  | { kind: 'refund-last-charge'; atMinute: number; amount: 'half' }
  | { kind: 'top-up'; atMinute: number; deviceId: string; amount: string }
  | {
      kind: 'bill-payment';
      atMinute: number;
      deviceId: string;
      amount: string;
      payee: 'water' | 'electricity';
    }
  | { kind: 'balance'; atMinute: number; deviceId: string }
  | { kind: 'report-lost-and-replace'; atMinute: number; newCardNo: string };

export type StudentScript = { student: PlannedStudent; steps: StudentStep[] };

export type ScriptShares = {
  secondPurchase: number;
  topUpFirst: number;
  billPayment: number;
  lostCard: number;
  refund: number;
  duplicate: number;
  triplicate: number;
  balanceCheck: number;
};

export const defaultScriptShares: ScriptShares = {
  secondPurchase: 0.3,
  topUpFirst: 0.1,
  billPayment: 0.03,
  lostCard: 0.01,
  refund: 0.02,
  duplicate: 0.05,
  triplicate: 0.01,
  balanceCheck: 0.05,
};

const mealPrices = ['8.50', '10.00', '12.00', '13.50', '15.00', '16.80', '18.00', '22.00', '25.50', '31.00'];
const snackPrices = ['3.50', '4.20', '5.00', '6.80', '9.90'];
const topUpAmounts = ['50.00', '100.00', '200.00'];
const replacementCardOffset = 90_000_000;

const copiesOf = (random: Random, shares: ScriptShares): number => {
  const draw = random.fraction();
  if (draw < shares.triplicate) return 3;
  if (draw < shares.triplicate + shares.duplicate) return 2;
  return 1;
};

const minuteAfter = (minute: number, gapMinutes: number) =>
  Math.min(minute + gapMinutes, lunchWindowMinutes - 0.01);

const scriptOf = (
  student: PlannedStudent,
  studentIndex: number,
  random: Random,
  devices: { canteen: string[]; shop: string[]; kiosk: string[] },
  shares: ScriptShares,
): StudentScript => {
  const steps: StudentStep[] = [];
  let minute = drawArrivalMinute(random);
  const next = (gapMinutes: number) => {
    minute = minuteAfter(minute, gapMinutes);
    return minute;
  };
  if (random.fraction() < shares.topUpFirst && devices.kiosk.length > 0) {
    steps.push({
      kind: 'top-up',
      atMinute: minute,
      deviceId: random.pick(devices.kiosk),
      amount: random.pick(topUpAmounts),
    });
    next(1);
  }
  const canteenTerminal = random.pick(devices.canteen);
  steps.push({
    kind: 'charge',
    atMinute: minute,
    deviceId: canteenTerminal,
    amount: random.pick(mealPrices),
    copies: copiesOf(random, shares),
  });
  if (random.fraction() < shares.balanceCheck)
    steps.push({ kind: 'balance', atMinute: next(0.5), deviceId: canteenTerminal });
  if (random.fraction() < shares.refund)
    steps.push({ kind: 'refund-last-charge', atMinute: next(2), amount: 'half' });
  if (random.fraction() < shares.lostCard) {
    steps.push({
      kind: 'report-lost-and-replace',
      atMinute: next(5),
      newCardNo: `6200${String(replacementCardOffset + studentIndex).padStart(8, '0')}`,
    });
    // Whoever finds the old card tries it: it must be refused.
    steps.push({
      kind: 'charge',
      atMinute: next(1),
      deviceId: random.pick(devices.canteen),
      amount: '5.00',
      copies: 1,
      useOldCard: true,
    });
  }
  if (random.fraction() < shares.secondPurchase && devices.shop.length > 0) {
    steps.push({
      kind: 'charge',
      atMinute: next(5),
      deviceId: random.pick(devices.shop),
      amount: random.pick(snackPrices),
      copies: copiesOf(random, shares),
    });
  }
  if (random.fraction() < shares.billPayment && devices.kiosk.length > 0) {
    steps.push({
      kind: 'bill-payment',
      atMinute: next(3),
      deviceId: random.pick(devices.kiosk),
      amount: `${random.integer(20, 80)}.00`,
      payee: random.fraction() < 0.5 ? 'water' : 'electricity',
    });
  }
  return { student, steps };
};

export const planStudentScripts = (
  plan: CampusPlan,
  seed: number,
  shares: ScriptShares = defaultScriptShares,
): StudentScript[] => {
  const random = createRandom(seed);
  const merchantCategory = new Map(
    plan.merchants.map((merchant) => [merchant.merchantId, merchant.category]),
  );
  const devicesOf = (category: string, kind: 'pos' | 'kiosk') =>
    plan.devices
      .filter((device) => device.kind === kind && merchantCategory.get(device.merchantId) === category)
      .map((device) => device.deviceId);
  const devices = {
    canteen: devicesOf('canteen', 'pos'),
    shop: devicesOf('shop', 'pos'),
    kiosk: devicesOf('utility', 'kiosk'),
  };
  return plan.students.map((student, index) => scriptOf(student, index + 1, random, devices, shares));
};
