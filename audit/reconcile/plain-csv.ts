import { type CsvRecord, readCsv } from './csv.ts';
import { columnsOf, statementError } from './statement.ts';

// The UTF-8 formats with one header line and one money move per row (generic, bank).

const decode = (bytes: Uint8Array) => new TextDecoder('utf-8').decode(bytes);

/** Enough of the file to read its header line. */
const headerProbeBytes = 1_024;

export const hasHeader = (bytes: Uint8Array, columns: readonly string[]): boolean => {
  const [header] = readCsv(decode(bytes.subarray(0, headerProbeBytes)).split(/\r?\n/)[0] ?? '');
  return header?.fields.map((name) => name.trim()).join(',') === columns.join(',');
};

/** The rows of a header-first CSV, each with exactly as many fields as the header. */
export const readHeaderedCsv = <Name extends string>(
  bytes: Uint8Array,
  columns: readonly Name[],
  format: string,
): { column: Record<Name, number>; rows: CsvRecord[] } => {
  const [header, ...rows] = readCsv(decode(bytes));
  if (!header) throw statementError(1, `empty file; ${format} starts with the header ${columns.join(',')}`);
  const column = columnsOf(header, columns, format);
  for (const row of rows) {
    if (row.fields.length !== header.fields.length) {
      throw statementError(row.line, `expected ${header.fields.length} fields, found ${row.fields.length}`);
    }
  }
  return { column, rows };
};
