import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { maskCardNumbersInText } from '../ledger-core/index.ts';
import { maskingChildLogger } from './log-masking.ts';

const cardNo = '6222021234567890';

describe('card numbers in logs', () => {
  it('masks card fields, nested ones, child bindings, and digit runs in error messages and stacks', () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = maskingChildLogger(pino({ level: 'info' }, destination), { service: 'test' });
    logger.info({ cardNo, body: { newCardNo: cardNo } }, 'opened');
    logger.error({ err: new Error(`card ${cardNo} refused`) }, 'failed');
    logger.child({ reqId: 'r1' }).child({ body: { cardNo } }).info('bound');
    const text = lines.join('');
    expect(text).not.toContain(cardNo);
    expect(text).toContain('6222********7890');
    expect(lines).toHaveLength(3);
  });

  it('masks every 8–19 digit run in a text and leaves shorter numbers alone', () => {
    expect(maskCardNumbersInText(`balance 12.50 of ${cardNo} at position 42`)).toBe(
      'balance 12.50 of 6222********7890 at position 42',
    );
  });
});
