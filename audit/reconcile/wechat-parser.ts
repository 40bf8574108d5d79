import { formatMoney, type Money, money, zeroMoney } from '../../ledger-core/index.ts';
import { type CsvRecord, readCsv } from './csv.ts';
import {
  columnsOf,
  parseSignedFigure,
  parseStatementAmount,
  requireText,
  type StatementLine,
  type StatementParser,
  statementError,
} from './statement.ts';
import { parseChinaLocalTime } from './statement-time.ts';

// The WeChat Pay trade bill of type ALL (UTF-8 CSV): a header row, one detail row per payment or
// refund with every field prefixed by a backtick (so spreadsheets keep long numbers as text), then a
// summary header and one summary row. Times are China Standard Time, amounts in yuan.
//
// A payment row (交易状态 SUCCESS) is keyed by 商户订单号, the order number the campus created, which
// the ledger keeps as the top-up's externalRef; its amount is 应结订单金额. A refund row (交易状态 REFUND,
// 退款状态 SUCCESS) is keyed by 商户退款单号, the refund number the campus sent, which is the ledger
// refund's txId; its amount is 退款金额. Revoked payments and refunds not yet done moved no money and
// are left out (counted as ignored). The summary row must agree with the detail rows.

const detailColumns = [
  '交易时间',
  '微信订单号',
  '商户订单号',
  '交易类型',
  '交易状态',
  '应结订单金额',
  '微信退款单号',
  '商户退款单号',
  '退款金额',
  '退款状态',
  '手续费',
] as const;
const summaryColumns = ['总交易单数', '应结订单总金额', '退款总金额', '手续费总金额'] as const;
const format = 'a WeChat Pay trade bill (ALL)';

const ignoredTradeStates = new Set(['REVOKED', 'CLOSED', 'NOTPAY', 'USERPAYING', 'PAYERROR']);
const unfinishedRefundStates = new Set(['PROCESSING', 'FAIL', 'CHANGE', 'REFUNDCLOSE']);

const decode = (bytes: Uint8Array) => new TextDecoder('utf-8').decode(bytes);

/** A detail or summary row with its backticks removed; every field must carry one. */
const unquoted = (record: CsvRecord): CsvRecord => ({
  line: record.line,
  fields: record.fields.map((field) => {
    if (!field.startsWith('`'))
      throw statementError(record.line, `field "${field}" does not start with a backtick`);
    return field.slice(1).trim();
  }),
});

type Totals = { rows: number; payments: Money; refunds: Money; fees: Money };

const checkSummary = (header: CsvRecord, row: CsvRecord | undefined, totals: Totals) => {
  if (!row) throw statementError(header.line + 1, 'the summary row after the summary header is missing');
  const column = columnsOf(header, summaryColumns, format);
  const summary = unquoted(row);
  const field = (index: number) => summary.fields[index] ?? '';
  const declaredRows = field(column.总交易单数);
  if (declaredRows !== String(totals.rows)) {
    throw statementError(
      row.line,
      `总交易单数 says ${declaredRows}, the bill has ${totals.rows} detail rows`,
    );
  }
  const checks: Array<[string, number, Money]> = [
    ['应结订单总金额', column.应结订单总金额, totals.payments],
    ['退款总金额', column.退款总金额, totals.refunds],
    ['手续费总金额', column.手续费总金额, totals.fees],
  ];
  for (const [name, index, computed] of checks) {
    const declared = parseSignedFigure(field(index), row.line, name);
    if (!declared.equals(computed)) {
      throw statementError(
        row.line,
        `${name} says ${formatMoney(declared)}, the detail rows add up to ${formatMoney(computed)}`,
      );
    }
  }
};

export const wechatStatementParser: StatementParser = {
  channel: 'wechat',
  recognises: (bytes) => {
    const firstLine =
      decode(bytes.subarray(0, 1_024))
        .replace(/^\uFEFF/, '')
        .split(/\r?\n/)[0] ?? '';
    return firstLine.startsWith('交易时间,') && firstLine.includes('微信订单号');
  },
  parse: (bytes) => {
    const [header, ...records] = readCsv(decode(bytes));
    if (!header) throw statementError(1, `empty file; ${format} starts with its header row`);
    const column = columnsOf(header, detailColumns, format);
    const summaryAt = records.findIndex((record) => record.fields[0]?.trim() === '总交易单数');
    if (summaryAt < 0) throw statementError(header.line, 'the summary header (总交易单数,…) is missing');
    const summaryHeader = records[summaryAt] as CsvRecord;
    const trailing = records[summaryAt + 2];
    if (trailing) throw statementError(trailing.line, 'unexpected row after the summary row');

    const lines: StatementLine[] = [];
    const totals: Totals = { rows: 0, payments: zeroMoney, refunds: zeroMoney, fees: zeroMoney };
    let ignoredLines = 0;
    for (const record of records.slice(0, summaryAt)) {
      if (record.fields.length !== header.fields.length) {
        throw statementError(
          record.line,
          `expected ${header.fields.length} fields, found ${record.fields.length}`,
        );
      }
      const row = unquoted(record);
      const field = (name: (typeof detailColumns)[number]) => row.fields[column[name]] ?? '';
      totals.rows += 1;
      totals.fees = totals.fees.plus(parseSignedFigure(field('手续费'), row.line, '手续费'));
      const occurredAt = parseChinaLocalTime(field('交易时间'), row.line, '交易时间');
      const state = field('交易状态');
      if (state === 'SUCCESS') {
        const amount = parseStatementAmount(field('应结订单金额'), row.line, '应结订单金额');
        totals.payments = totals.payments.plus(money(amount));
        lines.push({
          line: row.line,
          kind: 'top-up',
          reference: requireText(field('商户订单号'), row.line, '商户订单号'),
          amount,
          occurredAt,
          channelTxId: requireText(field('微信订单号'), row.line, '微信订单号'),
        });
      } else if (state === 'REFUND') {
        const refundState = field('退款状态');
        if (unfinishedRefundStates.has(refundState)) {
          ignoredLines += 1;
          continue;
        }
        if (refundState !== 'SUCCESS') throw statementError(row.line, `unknown 退款状态 "${refundState}"`);
        const amount = parseStatementAmount(field('退款金额'), row.line, '退款金额');
        totals.refunds = totals.refunds.plus(money(amount));
        lines.push({
          line: row.line,
          kind: 'refund',
          reference: requireText(field('商户退款单号'), row.line, '商户退款单号'),
          amount,
          occurredAt,
          channelTxId: requireText(field('微信退款单号'), row.line, '微信退款单号'),
        });
      } else if (ignoredTradeStates.has(state)) {
        ignoredLines += 1;
      } else {
        throw statementError(row.line, `unknown 交易状态 "${state}"`);
      }
    }
    checkSummary(summaryHeader, records[summaryAt + 1], totals);
    return { channel: 'wechat', lines, ignoredLines };
  },
};
