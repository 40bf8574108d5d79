import { validationRejection } from '../http-kit/index.ts';
import type { Position } from '../ledger-core/index.ts';

// Transaction pages are keyed by position (newest first): a cursor is the position to continue below.
// It is opaque to clients so the key can change without breaking them.

const cursorPrefix = 'p:';

export const encodeCursor = (position: Position): string =>
  Buffer.from(`${cursorPrefix}${position}`).toString('base64url');

export const decodeCursor = (cursor: string): Position => {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const digits = text.startsWith(cursorPrefix) ? text.slice(cursorPrefix.length) : '';
  if (!/^[0-9]{1,19}$/.test(digits)) {
    throw validationRejection('the cursor is not one this API issued', [
      { field: 'querystring.cursor', message: 'unknown cursor' },
    ]);
  }
  return BigInt(digits);
};
