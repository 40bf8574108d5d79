import { formatMoney, type Money, money } from '../../ledger-core/index.ts';

// The reference model the simulation checks the ledger against: one student's balance and card, and
// what the ledger must answer to each request. Deliberately simple and independent of ledger-core's
// decider (it shares only the decimal type), so an error in one is not hidden by the same error in
// the other.

export type ExpectedAnswer = { status: 'accepted' | 'rejected'; code?: string; balance?: string };

const onlineChargeLimit = money('500.00');
export const offlineChargeLimit = money('50.00');

export type StudentModel = {
  balance: Money;
  currentCardNo: string;
  lostCardNos: Set<string>;
  offlineCharges: number;
  /** Charges accepted, newest last, for refunds: amount and where. */
  charges: Array<{ deviceId: string; seq: number; amount: Money; refunded: Money }>;
};

export const newStudentModel = (cardNo: string, openingBalance: string): StudentModel => ({
  balance: money(openingBalance),
  currentCardNo: cardNo,
  lostCardNos: new Set(),
  offlineCharges: 0,
  charges: [],
});

const accepted = (model: StudentModel): ExpectedAnswer => ({
  status: 'accepted',
  balance: formatMoney(model.balance),
});
const rejected = (code: string): ExpectedAnswer => ({ status: 'rejected', code });

export const expectCharge = (
  model: StudentModel,
  charge: { cardNo: string; amount: string; offline: boolean; deviceId: string; seq: number },
): ExpectedAnswer => {
  const amount = money(charge.amount);
  if (charge.offline) {
    if (amount.greaterThan(offlineChargeLimit)) return rejected('offline_limit_exceeded');
  } else {
    if (model.lostCardNos.has(charge.cardNo)) return rejected('card_lost');
    if (amount.greaterThan(onlineChargeLimit)) return rejected('limit_exceeded_per_transaction');
    if (model.balance.lessThan(amount)) return rejected('insufficient_funds');
  }
  model.balance = model.balance.minus(amount);
  if (charge.offline) model.offlineCharges += 1;
  model.charges.push({ deviceId: charge.deviceId, seq: charge.seq, amount, refunded: money('0') });
  return accepted(model);
};

export const expectTopUp = (model: StudentModel, amount: string): ExpectedAnswer => {
  model.balance = model.balance.plus(amount);
  return accepted(model);
};

export const expectBillPayment = (model: StudentModel, cardNo: string, amount: string): ExpectedAnswer => {
  if (model.lostCardNos.has(cardNo)) return rejected('card_lost');
  if (model.balance.lessThan(amount)) return rejected('insufficient_funds');
  model.balance = model.balance.minus(amount);
  return accepted(model);
};

/** Half of the last accepted charge, in whole fen rounded down; undefined when there is nothing to refund. */
export const refundOfLastCharge = (model: StudentModel) => {
  const charge = model.charges.at(-1);
  if (!charge) return undefined;
  const amount = charge.amount.dividedBy(2).toDecimalPlaces(2, 1);
  if (amount.lessThanOrEqualTo(0)) return undefined;
  return { charge, amount: formatMoney(amount) };
};

export const expectRefund = (
  model: StudentModel,
  refund: NonNullable<ReturnType<typeof refundOfLastCharge>>,
) => {
  refund.charge.refunded = refund.charge.refunded.plus(refund.amount);
  model.balance = model.balance.plus(refund.amount);
  return accepted(model);
};

export const replaceCard = (model: StudentModel, newCardNo: string): void => {
  model.lostCardNos.add(model.currentCardNo);
  model.currentCardNo = newCardNo;
};
