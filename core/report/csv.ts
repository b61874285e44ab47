/**
 * The `csv` format: one row per connection, quoted as RFC 4180 says, but with LF line ends, as
 * every Unix tool (cut, awk, grep, sort) expects; spreadsheet and CSV libraries read both.
 */
import type { ConnectivityMatrix } from "../netpol";

export const CSV_HEADER = ["from", "to", "port", "protocol", "allowed", "reason"] as const;

/** Quotes a field when it holds a comma, a double quote, CR or LF; doubles inner quotes. */
export function csvField(value: string | number | boolean): string {
  const s = String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function csvRow(fields: Array<string | number | boolean>): string {
  return `${fields.map(csvField).join(",")}\n`;
}

/** The `csv` format row by row, for writing large matrices without holding them. */
export function* csvChunks(matrix: ConnectivityMatrix): Generator<string> {
  yield csvRow([...CSV_HEADER]);
  for (const c of matrix.connections()) yield csvRow([c.from, c.to, c.port, c.protocol, c.allowed, c.reason]);
}

export function formatCsv(matrix: ConnectivityMatrix): string {
  return [...csvChunks(matrix)].join("");
}
