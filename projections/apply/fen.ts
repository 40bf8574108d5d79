// Money inside a batch is integer fen (bigint): exact like decimal.js and an order of magnitude cheaper
// for the sums a batch does thousands of times. It enters only from canonical two-place strings (event
// amounts after their schema, numeric(20,2) read as text) and leaves only as such strings.

export type Fen = bigint;

const canonicalMoney = /^-?(0|[1-9][0-9]*)\.[0-9]{2}$/;

/** "12.50" → 1250n; anything but a canonical two-place amount is a bug upstream and throws. */
export const fenOf = (text: string): Fen => {
  if (!canonicalMoney.test(text)) throw new Error(`not a canonical money amount: ${text}`);
  return BigInt(text.replace('.', ''));
};

/** 1250n → "12.50", -5n → "-0.05". */
export const formatFen = (fen: Fen): string => {
  const negative = fen < 0n;
  const digits = (negative ? -fen : fen).toString().padStart(3, '0');
  return `${negative ? '-' : ''}${digits.slice(0, -2)}.${digits.slice(-2)}`;
};
