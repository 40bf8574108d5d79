/**
 * A card number as it may appear in a response or a log line: at most the first four and the last four
 * digits, never more than half of the number.
 */
export const maskCardNo = (cardNo: string): string => {
  const shownTail = 4;
  const shownHead = cardNo.length >= 12 ? 4 : 0;
  const hidden = Math.max(cardNo.length - shownHead - shownTail, 4);
  return `${cardNo.slice(0, shownHead)}${'*'.repeat(hidden)}${cardNo.slice(-shownTail)}`;
};
