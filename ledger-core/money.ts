import { Decimal } from 'decimal.js';
import { z } from 'zod';

// CNY yuan with at most two decimal places. A private Decimal constructor keeps our precision and
// rounding independent of anyone else's global decimal.js settings. No JS number ever holds money.
const MoneyDecimal = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_EVEN });

export type Money = Decimal;

export const maxAmount = '1000000.00';
const amountPattern = /^(0|[1-9][0-9]{0,6})(\.[0-9]{1,2})?$/;

// Amount texts repeat (a canteen's prices, the usual top-ups), and every charge compares its amount with
// limits and the balance in decide and again in evolve: a Decimal is immutable, so one parse of a text
// is shared. Bounded: the memory starts over beyond it.
const parsedAmounts = new Map<string, Money>();
const maxRememberedAmounts = 10_000;

export const money = (value: string): Money => {
  let parsed = parsedAmounts.get(value);
  if (parsed === undefined) {
    parsed = new MoneyDecimal(value);
    if (parsedAmounts.size >= maxRememberedAmounts) parsedAmounts.clear();
    parsedAmounts.set(value, parsed);
  }
  return parsed;
};
export const zeroMoney: Money = new MoneyDecimal(0);
const maxMoney: Money = new MoneyDecimal(maxAmount);

/** The one text form of money in events, responses and Postgres: always two places, e.g. "12.50". */
export const formatMoney = (value: Money): string => value.toFixed(2);

/** An amount as a client may send it: a decimal string, > 0, ≤ 1,000,000.00, at most two places. */
export const amountSchema = z
  .string()
  // abort: zod runs later checks after a failed one, and money() throws on a string that is no number.
  .regex(amountPattern, {
    message: 'amount must be a decimal string with at most 2 decimal places, e.g. "12.50"',
    abort: true,
  })
  .refine((value) => money(value).greaterThan(0), 'amount must be greater than 0')
  .refine((value) => money(value).lessThanOrEqualTo(maxMoney), `amount must be at most ${maxAmount}`)
  .transform((value) => formatMoney(money(value)));

/** A signed money string as stored in events and read models (balances may be negative as debt). */
export const signedMoneySchema = z.string().regex(/^-?(0|[1-9][0-9]*)\.[0-9]{2}$/);

/** A limit: like an amount, but zero is allowed (a zero offline limit disables offline charges). */
export const limitSchema = z
  .string()
  .regex(amountPattern, {
    message: 'limit must be a decimal string with at most 2 decimal places',
    abort: true,
  })
  .refine((value) => money(value).lessThanOrEqualTo(maxMoney), `limit must be at most ${maxAmount}`)
  .transform((value) => formatMoney(money(value)));

export const sumMoney = (values: Iterable<Money>): Money => {
  let total = zeroMoney;
  for (const value of values) total = total.plus(value);
  return total;
};

/** Integer fen for a money value (exact: money has at most two places). */
export const toFen = (value: Money): bigint => BigInt(value.times(100).toFixed(0));
export const fromFen = (fen: bigint): Money => new MoneyDecimal(fen.toString()).dividedBy(100);
