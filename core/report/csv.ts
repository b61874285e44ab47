/**
 * The `csv` format: one row per connection, quoted as RFC 4180 says, but with LF line ends, as
 * every Unix tool (cut, awk, grep, sort) expects; spreadsheet and CSV libraries read both.
 */
import type { ConnectivityMatrix } from "../netpol";
import { joinChunks, type ReportChunk } from "./chunks";
import { decidingPolicies } from "./explain";
import { connectionLineBytes, type LineParts } from "./lineBytes";
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

/** A lean row in two halves, for connectionLineBytes. */
const LEAN_CSV_ROW: LineParts = {
  source: (id) => `${csvField(id)},`,
  destination: (id, p, allowed) => csvRow([id, p.port, p.protocol, allowed, p.portName ?? ""]),
};

/** The `csv` format in pieces, for writing large matrices without holding them. */
export function* csvChunks(matrix: ConnectivityMatrix, options: ReportOptions = {}): Generator<ReportChunk> {
  const explain = options.explain === true;
  yield csvRow(explain ? [...CSV_HEADER, ...CSV_EXPLAIN_HEADER] : [...CSV_HEADER]);
  if (explain) {
    for (const c of matrix.connections()) {
      yield csvRow([c.from, c.to, c.port, c.protocol, c.allowed, c.portName ?? "", c.reason, decidingPolicies(c.ingress).join(" "), decidingPolicies(c.egress).join(" ")]);
    }
  } else yield* connectionLineBytes(matrix, LEAN_CSV_ROW);
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
  return joinChunks(csvChunks(matrix, options));
}
