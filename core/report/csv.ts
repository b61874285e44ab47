/**
 * The `csv` format: one row per connection, quoted as RFC 4180 says, but with LF line ends, as
 * every Unix tool (cut, awk, grep, sort) expects; spreadsheet and CSV libraries read both.
 */
import type { ConnectivityMatrix } from "../netpol";
import { decidingPolicies } from "./explain";
import type { ReportOptions } from "./json";

export const CSV_HEADER = ["from", "to", "port", "protocol", "allowed", "portName"] as const;
/** Added by --explain; the policy lists are space-separated namespace/name. */
export const CSV_EXPLAIN_HEADER = ["reason", "ingressPolicies", "egressPolicies"] as const;

/** Quotes a field when it holds a comma, a double quote, CR or LF; doubles inner quotes. */
export function csvField(value: string | number | boolean): string {
  const s = String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function csvRow(fields: Array<string | number | boolean>): string {
  return `${fields.map(csvField).join(",")}\n`;
}

/** The `csv` format row by row, for writing large matrices without holding them. */
export function* csvChunks(matrix: ConnectivityMatrix, options: ReportOptions = {}): Generator<string> {
  const explain = options.explain === true;
  yield csvRow(explain ? [...CSV_HEADER, ...CSV_EXPLAIN_HEADER] : [...CSV_HEADER]);
  for (const c of matrix.connections()) {
    const lean = [c.from, c.to, c.port, c.protocol, c.allowed, c.portName ?? ""];
    yield csvRow(explain ? [...lean, c.reason, decidingPolicies(c.ingress).join(" "), decidingPolicies(c.egress).join(" ")] : lean);
  }
  // Outside the cluster: the range as "ip:<range>", one row per port (or range of ports), "all"
  // for every port, an empty port for a denied range.
  for (const e of options.external ?? []) {
    const [from, to] = e.direction === "egress" ? [e.pod, `ip:${e.range}`] : [`ip:${e.range}`, e.pod];
    const ports = e.ports === "all" ? [["all", ""]] : e.ports.length === 0 ? [["", ""]] : e.ports.map((p) => [p.slice(p.indexOf("/") + 1), p.slice(0, p.indexOf("/"))]);
    for (const [port, protocol] of ports) {
      const row = [from, to, port, protocol, e.allowed, ""];
      yield csvRow(explain ? [...row, e.allowed ? "allowed" : "denied", "", ""] : row);
    }
  }
}

export function formatCsv(matrix: ConnectivityMatrix, options: ReportOptions = {}): string {
  return [...csvChunks(matrix, options)].join("");
}
