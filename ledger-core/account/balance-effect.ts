import { type Money, money, zeroMoney } from '../money.ts';

/** The change an account event makes to the card balance (zero for events that move no money). */
export const balanceEffectOf = (event: { type: string; data: unknown }): Money => {
  const data = event.data as { amount?: string; payoutAmount?: string };
  switch (event.type) {
    case 'ToppedUp':
    case 'Refunded':
      return money(data.amount as string);
    case 'Charged':
    case 'BillPaid':
      return money(data.amount as string).negated();
    case 'AccountClosed':
      return money(data.payoutAmount as string).negated();
    default:
      return zeroMoney;
  }
};
