import { LedgerRejection } from '../../ledger-core/index.ts';
import { alipayStatementParser } from './alipay-parser.ts';
import { bankStatementParser } from './bank-parser.ts';
import { genericStatementParser } from './generic-parser.ts';
import type { Statement, StatementChannel, StatementParser } from './statement.ts';
import { wechatStatementParser } from './wechat-parser.ts';

const parsers: Record<StatementChannel, StatementParser> = {
  wechat: wechatStatementParser,
  alipay: alipayStatementParser,
  bank: bankStatementParser,
  generic: genericStatementParser,
};

/**
 * Parses a statement in the format of the named channel. A file that is recognisably another
 * channel's statement is refused as such, before any line-level complaint.
 */
export const parseStatement = (channel: StatementChannel, bytes: Uint8Array): Statement => {
  const parser = parsers[channel];
  if (!parser.recognises(bytes)) {
    const other = Object.values(parsers).find((candidate) => candidate.recognises(bytes));
    if (other) {
      throw new LedgerRejection(
        'validation_failed',
        `the statement is in the ${other.channel} format, but --channel is ${channel}`,
        { channel: other.channel },
      );
    }
  }
  return parser.parse(bytes);
};
