import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';

// A small, deterministic campus: the same seed and size always give the same merchants, terminals,
// students, cards and opening top-ups.

export type PlannedMerchant = { merchantId: string; name: string; category: 'canteen' | 'shop' | 'utility' };
export type PlannedDevice = { deviceId: string; merchantId: string; kind: 'pos' | 'kiosk'; keyId: string };
export type PlannedStudent = { accountId: string; holderName: string; cardNo: string; openingTopUp: string };
export type CampusPlan = {
  merchants: PlannedMerchant[];
  devices: PlannedDevice[];
  students: PlannedStudent[];
};

const merchantTemplates: Array<PlannedMerchant & { terminals: number }> = [
  { merchantId: 'canteen-north', name: 'North Canteen', category: 'canteen', terminals: 4 },
  { merchantId: 'canteen-south', name: 'South Canteen', category: 'canteen', terminals: 4 },
  { merchantId: 'canteen-east', name: 'East Noodle Hall', category: 'canteen', terminals: 3 },
  { merchantId: 'shop-market', name: 'Campus Market', category: 'shop', terminals: 2 },
  { merchantId: 'shop-books', name: 'Bookshop', category: 'shop', terminals: 1 },
  { merchantId: 'utility-services', name: 'Utility Services', category: 'utility', terminals: 0 },
];
const kiosksOfUtilityMerchant = 2;
/** Opening balances between these many yuan, whole yuan, so some students run short at lunch. */
const openingTopUpMinYuan = 20;
const openingTopUpMaxYuan = 300;
/** A share of students start nearly empty, so lunch finds some of them short of money. */
const defaultShortOfMoneyShare = 0.08;
const shortOfMoneyMaxYuan = 12;

export const cardNoOf = (studentIndex: number): string => `6200${String(studentIndex).padStart(8, '0')}`;

export const planCampus = (options: {
  students: number;
  seed: number;
  terminalsPerCanteen?: number;
  shortOfMoneyShare?: number;
}): CampusPlan => {
  const shortOfMoneyShare = options.shortOfMoneyShare ?? defaultShortOfMoneyShare;
  const rng = xoroshiro128plus(options.seed);
  const merchants = merchantTemplates.map(({ terminals: _terminals, ...merchant }) => merchant);
  const devices: PlannedDevice[] = merchantTemplates.flatMap((merchant) => {
    const terminals =
      merchant.category === 'canteen' && options.terminalsPerCanteen !== undefined
        ? options.terminalsPerCanteen
        : merchant.terminals;
    return Array.from({ length: terminals }, (_, index) => ({
      deviceId: `pos-${merchant.merchantId}-${index + 1}`,
      merchantId: merchant.merchantId,
      kind: 'pos' as const,
      keyId: 'k1',
    }));
  });
  for (let index = 1; index <= kiosksOfUtilityMerchant; index += 1) {
    devices.push({ deviceId: `kiosk-${index}`, merchantId: 'utility-services', kind: 'kiosk', keyId: 'k1' });
  }
  const students = Array.from({ length: options.students }, (_, index) => ({
    accountId: `stu-${String(index + 1).padStart(6, '0')}`,
    holderName: `Student ${index + 1}`,
    cardNo: cardNoOf(index + 1),
    openingTopUp:
      uniformInt(rng, 0, 999) < shortOfMoneyShare * 1_000
        ? `${uniformInt(rng, 1, shortOfMoneyMaxYuan)}.00`
        : `${uniformInt(rng, openingTopUpMinYuan, openingTopUpMaxYuan)}.00`,
  }));
  return { merchants, devices, students };
};
