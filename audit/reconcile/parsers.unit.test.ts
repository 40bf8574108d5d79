import { readFileSync } from 'node:fs';
import { zipSync } from 'fflate';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { parseStatement } from './parsers.ts';
import type { StatementChannel } from './statement.ts';

const fixture = (name: string) =>
  new Uint8Array(readFileSync(new URL(`../fixtures/${name}`, import.meta.url)));
const utf8 = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const encode = (text: string) => new TextEncoder().encode(text);
const gbk = (text: string) => new Uint8Array(iconv.encode(text, 'gbk'));

const summaryOf = (channel: StatementChannel, bytes: Uint8Array) =>
  parseStatement(channel, bytes).lines.map(
    (line) => `${line.line} ${line.kind} ${line.reference} ${line.amount}`,
  );

const refusal = (channel: StatementChannel, bytes: Uint8Array): string => {
  try {
    parseStatement(channel, bytes);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('the statement was accepted');
};

describe('WeChat Pay trade bill (ALL)', () => {
  const bill = fixture('wechat-2024-05-01.csv');

  it('reads payment and refund rows by merchant order / refund number, skipping revoked rows', () => {
    expect(summaryOf('wechat', bill)).toEqual([
      '2 top-up WX-ORD-1 100.00',
      '3 top-up WX-ORD-2 55.00',
      '4 top-up WX-ORD-4 20.00',
      '5 top-up WX-ORD-1 100.00',
      '6 refund WX-REF-1 5.00',
      '7 refund WX-REF-9 8.00',
    ]);
    const statement = parseStatement('wechat', bill);
    expect(statement.ignoredLines).toBe(1);
    // 08:01:02 China Standard Time.
    expect(statement.lines[0]?.occurredAt).toBe('2024-05-01T00:01:02.000Z');
    expect(statement.lines[0]?.channelTxId).toBe('4200000001202405010000000001');
  });

  it('refuses a summary that disagrees with the rows, naming the summary line', () => {
    const edited = utf8(bill).replace('`275.00', '`275.01');
    expect(refusal('wechat', encode(edited))).toBe(
      'statement line 10: 应结订单总金额 says 275.01, the detail rows add up to 275.00',
    );
  });

  it('refuses a float-looking or malformed amount, naming the line', () => {
    const edited = utf8(bill).replace('`55.00', '`55.001');
    expect(refusal('wechat', encode(edited))).toMatch(
      /^statement line 3: 应结订单金额 is not a positive amount/,
    );
  });

  it('refuses a detail field without its backtick and a missing summary', () => {
    expect(refusal('wechat', encode(utf8(bill).replace('`WX-ORD-4', 'WX-ORD-4')))).toBe(
      'statement line 4: field "WX-ORD-4" does not start with a backtick',
    );
    const withoutSummary = utf8(bill).split('\r\n').slice(0, 8).join('\r\n');
    expect(refusal('wechat', encode(withoutSummary))).toBe(
      'statement line 1: the summary header (总交易单数,…) is missing',
    );
  });
});

describe('Alipay trade detail file', () => {
  const expected = [
    '6 top-up ALI-ORD-1 100.00',
    '7 top-up ALI-ORD-2 55.00',
    '8 top-up ALI-ORD-4 20.00',
    '9 top-up ALI-ORD-1 100.00',
    '10 refund ALI-REF-1 5.00',
    '11 refund ALI-REF-9 8.00',
  ];

  it('reads the GBK CSV with its comments, by merchant order number and refund request number', () => {
    const statement = parseStatement('alipay', fixture('alipay-2024-05-02.csv'));
    expect(summaryOf('alipay', fixture('alipay-2024-05-02.csv'))).toEqual(expected);
    expect(statement.declaredDay).toBe('2024-05-02');
    expect(statement.lines[0]?.occurredAt).toBe('2024-05-02T01:00:05.000Z');
  });

  it('reads the same file inside the zip, ignoring the summary file next to it', () => {
    expect(summaryOf('alipay', fixture('alipay-2024-05-02.zip'))).toEqual(expected);
  });

  it('refuses totals that disagree with the rows and a period of more than one day', () => {
    const text = iconv.decode(Buffer.from(fixture('alipay-2024-05-02.csv')), 'gbk');
    expect(refusal('alipay', gbk(text.replace('#退款合计：2笔', '#退款合计：3笔')))).toBe(
      'statement line 14: 退款合计 says 3 rows, -13.00; the rows are 2, -13.00',
    );
    expect(
      refusal(
        'alipay',
        gbk(text.replace('2024年05月03日 00:00:00]\r\n#---', '2024年05月04日 00:00:00]\r\n#---')),
      ),
    ).toBe('statement line 3: the statement period 2024-05-02 → 2024-05-04 is not one day');
  });

  it('refuses a refund printed with a positive amount', () => {
    const text = iconv.decode(Buffer.from(fixture('alipay-2024-05-02.csv')), 'gbk');
    expect(refusal('alipay', gbk(text.replace('-5.00,-5.00', '5.00,-5.00')))).toMatch(
      /^statement line 10: 订单金额 "5.00"/,
    );
  });

  it('refuses a zip without exactly one detail CSV', () => {
    const empty = zipSync({ 'readme.txt': encode('nothing here') });
    expect(refusal('alipay', empty)).toBe(
      'statement line 1: the zip holds 0 trade detail CSVs (files with a 支付宝交易号 header); expected 1',
    );
  });
});

describe('bank and generic CSV', () => {
  it('reads the bank statement: credits are top-ups, debits refunds, quoted fields allowed', () => {
    expect(summaryOf('bank', fixture('bank-2024-05-03.csv'))).toEqual([
      '2 top-up BANK-ORD-1 100.00',
      '3 top-up BANK-ORD-2 55.00',
      '4 top-up BANK-ORD-4 20.00',
      '5 top-up BANK-ORD-1 100.00',
      '6 refund BANK-REF-1 5.00',
      '7 refund BANK-REF-9 8.00',
    ]);
  });

  it('reads the generic statement of the design', () => {
    const statement = parseStatement('generic', fixture('generic-2024-05-04.csv'));
    expect(
      statement.lines.map((line) => `${line.kind} ${line.reference} ${line.accountId} ${line.amount}`),
    ).toEqual([
      'top-up GEN-ORD-1 acct-g1 100.00',
      'top-up GEN-ORD-2 acct-g1 55.00',
      'top-up GEN-ORD-4 acct-g2 20.00',
      'top-up GEN-ORD-1 acct-g1 100.00',
      'refund GEN-REF-1 acct-g1 5.00',
      'refund GEN-REF-9 acct-g2 8.00',
    ]);
  });

  it('names the malformed line: a bad type, a time without offset, a short row, a negative amount', () => {
    const generic = utf8(fixture('generic-2024-05-04.csv'));
    expect(refusal('generic', encode(generic.replace(',top-up\nGEN-ORD-4', ',topup\nGEN-ORD-4')))).toBe(
      'statement line 3: type must be top-up or refund, not "topup"',
    );
    expect(
      refusal('generic', encode(generic.replace('2024-05-04T10:10:00+08:00', '2024-05-04 10:10:00'))),
    ).toBe('statement line 4: occurred_at is not an ISO 8601 time with an offset: "2024-05-04 10:10:00"');
    expect(refusal('generic', encode(generic.replace(',acct-g2,8.00', ',8.00')))).toBe(
      'statement line 7: expected 5 fields, found 4',
    );
    const bank = utf8(fixture('bank-2024-05-03.csv'));
    expect(refusal('bank', encode(bank.replace('credit,20.00', 'credit,-20.00')))).toMatch(
      /^statement line 4: amount is not a positive amount/,
    );
  });

  it("refuses another channel's statement as such", () => {
    expect(refusal('alipay', fixture('wechat-2024-05-01.csv'))).toBe(
      'the statement is in the wechat format, but --channel is alipay',
    );
    expect(refusal('wechat', fixture('alipay-2024-05-02.zip'))).toBe(
      'the statement is in the alipay format, but --channel is wechat',
    );
    expect(refusal('generic', fixture('bank-2024-05-03.csv'))).toBe(
      'the statement is in the bank format, but --channel is generic',
    );
  });
});
