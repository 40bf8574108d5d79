import { unzipSync } from 'fflate';
import iconv from 'iconv-lite';
import { formatMoney, type Money, zeroMoney } from '../../ledger-core/index.ts';
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

// The Alipay trade detail file (业务明细): a GBK-encoded CSV, often delivered inside a zip next to a
// summary file. `#` comment lines come before the header (account, period) and after the rows (totals,
// export time); fields are padded with tabs and spaces; money columns carry a "（元）" suffix.
//
// A 交易 row is keyed by 商户订单号, the campus's order number, kept in the ledger as the top-up's
// externalRef; its amount is 订单金额. A 退款 row is keyed by 退款批次号/请求号, the refund request
// number the campus sent, which is the ledger refund's txId; Alipay prints its amounts negative, and
// the refunded amount is the absolute 订单金额. The period comment must be one whole day, and the
// 交易合计/退款合计 comments must agree with the rows.

const requiredColumns = [
  '支付宝交易号',
  '商户订单号',
  '业务类型',
  '完成时间',
  '订单金额',
  '商家实收',
  '退款批次号',
  '服务费',
] as const;
const format = 'an Alipay trade detail file';

/** "订单金额（元）" → "订单金额", "退款批次号/请求号" → "退款批次号". */
const normaliseColumn = (name: string): string =>
  name
    .trim()
    .replace(/（元）$/, '')
    .split('/')[0] as string;

const zipMagic = [0x50, 0x4b, 0x03, 0x04];
const isZip = (bytes: Uint8Array) => zipMagic.every((byte, index) => bytes[index] === byte);
const decodeGbk = (bytes: Uint8Array) => iconv.decode(Buffer.from(bytes), 'gbk');
const headerMarker = '支付宝交易号';

/** The detail CSV's text: the file itself, or the one CSV in the zip that holds the detail header. */
const detailText = (bytes: Uint8Array): string => {
  if (!isZip(bytes)) return decodeGbk(bytes);
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes);
  } catch (error) {
    throw statementError(1, `the zip cannot be read: ${(error as Error).message}`);
  }
  const details = Object.values(entries)
    .map(decodeGbk)
    .filter((text) => text.split(/\r?\n/).some((line) => line.trim().startsWith(headerMarker)));
  if (details.length !== 1) {
    throw statementError(
      1,
      `the zip holds ${details.length} trade detail CSVs (files with a ${headerMarker} header); expected 1`,
    );
  }
  return details[0] as string;
};

const periodPattern =
  /起始日期：\[(\d{4})年(\d{2})月(\d{2})日 00:00:00\]\s*终止日期：\[(\d{4})年(\d{2})月(\d{2})日 00:00:00\]/;
const totalPattern = /^#(交易|退款)合计：(\d+)笔，商家实收共(-?[0-9]+(?:\.[0-9]{1,2})?)元/;

/** The day a "起始日期 … 终止日期" comment covers, when it covers exactly one day. */
const periodDay = (comment: CsvRecord): string => {
  const match = periodPattern.exec(comment.fields.join(','));
  if (!match) throw statementError(comment.line, 'the period comment is not "起始日期：[…] 终止日期：[…]"');
  const [, y1, m1, d1, y2, m2, d2] = match;
  const start = `${y1}-${m1}-${d1}`;
  const next = new Date(`${start}T00:00:00Z`);
  next.setUTCDate(next.getUTCDate() + 1);
  if (next.toISOString().slice(0, 10) !== `${y2}-${m2}-${d2}`) {
    throw statementError(comment.line, `the statement period ${start} → ${y2}-${m2}-${d2} is not one day`);
  }
  return start;
};

type KindTotal = { count: number; received: Money };

export const alipayStatementParser: StatementParser = {
  channel: 'alipay',
  recognises: (bytes) => isZip(bytes) || decodeGbk(bytes.subarray(0, 4_096)).includes(headerMarker),
  parse: (bytes) => {
    const records = readCsv(detailText(bytes));
    const isComment = (record: CsvRecord) => (record.fields[0] ?? '').trim().startsWith('#');
    const headerAt = records.findIndex((record) => !isComment(record));
    const header = records[headerAt];
    if (!header) throw statementError(1, `${format} needs a header row starting with ${headerMarker}`);
    const column = columnsOf(header, requiredColumns, format, normaliseColumn);
    const periodComment = records
      .slice(0, headerAt)
      .find((record) => record.fields.join(',').includes('起始日期'));
    if (!periodComment)
      throw statementError(header.line, 'the period comment (起始日期 … 终止日期) is missing');
    const declaredDay = periodDay(periodComment);

    const lines: StatementLine[] = [];
    const computed: Record<'交易' | '退款', KindTotal> = {
      交易: { count: 0, received: zeroMoney },
      退款: { count: 0, received: zeroMoney },
    };
    const declared: Array<{ record: CsvRecord; kind: '交易' | '退款'; count: number; received: Money }> = [];
    let footer = false;
    for (const record of records.slice(headerAt + 1)) {
      if (isComment(record)) {
        footer = true;
        const match = totalPattern.exec(record.fields.join(',').trim());
        if (match) {
          const kind = match[1] as '交易' | '退款';
          declared.push({
            record,
            kind,
            count: Number(match[2]),
            received: parseSignedFigure(match[3] as string, record.line, `${kind}合计`),
          });
        }
        continue;
      }
      if (footer) throw statementError(record.line, 'a detail row after the closing comments');
      if (record.fields.length !== header.fields.length) {
        throw statementError(
          record.line,
          `expected ${header.fields.length} fields, found ${record.fields.length}`,
        );
      }
      const field = (name: (typeof requiredColumns)[number]) => (record.fields[column[name]] ?? '').trim();
      const kind = field('业务类型');
      if (kind !== '交易' && kind !== '退款') throw statementError(record.line, `unknown 业务类型 "${kind}"`);
      computed[kind].count += 1;
      computed[kind].received = computed[kind].received.plus(
        parseSignedFigure(field('商家实收'), record.line, '商家实收'),
      );
      parseSignedFigure(field('服务费'), record.line, '服务费');
      const orderAmount = field('订单金额');
      if (orderAmount.startsWith('-') !== (kind === '退款')) {
        throw statementError(
          record.line,
          `订单金额 "${orderAmount}": negative for 退款 rows and only for them`,
        );
      }
      const keyColumn = kind === '交易' ? '商户订单号' : '退款批次号';
      lines.push({
        line: record.line,
        kind: kind === '交易' ? 'top-up' : 'refund',
        reference: requireText(field(keyColumn), record.line, keyColumn),
        amount: parseStatementAmount(orderAmount.replace(/^-/, ''), record.line, '订单金额'),
        occurredAt: parseChinaLocalTime(field('完成时间'), record.line, '完成时间'),
        channelTxId: requireText(field('支付宝交易号'), record.line, '支付宝交易号'),
      });
    }
    for (const total of declared) {
      const actual = computed[total.kind];
      if (total.count !== actual.count || !total.received.equals(actual.received)) {
        throw statementError(
          total.record.line,
          `${total.kind}合计 says ${total.count} rows, ${formatMoney(total.received)}; the rows are ${actual.count}, ${formatMoney(actual.received)}`,
        );
      }
    }
    return { channel: 'alipay', lines, ignoredLines: 0, declaredDay };
  },
};
