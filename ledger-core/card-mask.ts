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

// Not `\b`: a card number glued to letters or underscores (`card_6222…`) is still a card number.
const digitRun = /(?<![0-9])[0-9]{8,19}(?![0-9])/g;

/** `text` with every run of 8–19 digits masked as a card number. */
export const maskCardNumbersInText = (text: string): string =>
  text.replace(digitRun, (run) => maskCardNo(run));

/** Fields that hold a card number wherever they appear in a log line. */
export const cardFieldNames: ReadonlySet<string> = new Set([
  'cardNo',
  'newCardNo',
  'oldCardNo',
  'cardMasked',
]);

/** Card fields are looked for this many levels deep: `cardNo`, `x.cardNo`, `x.y.cardNo`. */
const cardFieldDepth = 3;

const isPlainContainer = (value: unknown): value is Record<string, unknown> | unknown[] => {
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return true;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
};

const maskedLevel = (value: Record<string, unknown> | unknown[], depth: number): typeof value => {
  let copy: Record<string, unknown> | unknown[] | undefined;
  for (const key of Object.keys(value)) {
    const field = (value as Record<string, unknown>)[key];
    let masked = field;
    if (typeof field === 'string' && cardFieldNames.has(key)) masked = maskCardNo(field);
    else if (depth > 1 && isPlainContainer(field)) masked = maskedLevel(field, depth - 1);
    if (masked === field) continue;
    copy ??= Array.isArray(value) ? value.slice() : { ...value };
    (copy as Record<string, unknown>)[key] = masked;
  }
  return copy ?? value;
};

/**
 * `value` with the card fields of its plain objects and arrays masked, three levels deep. Copied only
 * along the way to a field it masks: a line without card numbers costs a walk and no allocation, where
 * pino's path redaction clones every value of every line. Class instances (errors, requests) are left to
 * their serializers.
 */
export const maskCardFields = <T>(value: T): T =>
  isPlainContainer(value) ? (maskedLevel(value, cardFieldDepth) as T) : value;

type ChildLogger = { child: (bindings: Record<string, unknown>, ...options: never[]) => unknown };

/**
 * Makes `logger` and every logger descended from it mask card fields in the bindings of their children
 * (a pino child inherits the method from its parent), as `maskCardFields` does for each line.
 */
export const maskingChildBindings = <L extends ChildLogger>(logger: L): L => {
  const makeChild = logger.child;
  logger.child = function (this: L, bindings: Record<string, unknown>, ...options: never[]) {
    return makeChild.call(this, maskCardFields(bindings), ...options);
  } as L['child'];
  return logger;
};
