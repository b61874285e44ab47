/**
 * The `json` format: a contract other tools parse, so field names and order are fixed and
 * documented in docs/connectivity.md. Connections keep the matrix order (destination, source, port).
 */
import type { ConnectivityMatrix, IgnoredObject, LintWarning, Protocol } from "../netpol";
import { decidingPolicies } from "./explain";

/** One connection as the json format writes it. */
export interface JsonConnection {
  from: string;
  to: string;
  port: number;
  protocol: Protocol;
  allowed: boolean;
  portName?: string;
  reason: string;
  /** Policies that decided ingress to `to`: the admitting ones if allowed, every isolating one if denied; [] if not isolated. */
  ingressPolicies: string[];
  /** The same for egress from `from`. */
  egressPolicies: string[];
}

export interface JsonSummary {
  pods: number;
  classes: number;
  connections: number;
  allowed: number;
  denied: number;
}

/** The whole json document. */
export interface JsonReport {
  connections: JsonConnection[];
  warnings: LintWarning[];
  ignored: IgnoredObject[];
  summary: JsonSummary;
}

/** Builds the json document as a value (the CLI and tests share it). */
export function jsonReport(matrix: ConnectivityMatrix, warnings: readonly LintWarning[], ignored: readonly IgnoredObject[]): JsonReport {
  const connections: JsonConnection[] = [];
  let allowed = 0;
  for (const c of matrix.connections()) {
    if (c.allowed) allowed++;
    connections.push({
      from: c.from,
      to: c.to,
      port: c.port,
      protocol: c.protocol,
      allowed: c.allowed,
      ...(c.portName !== undefined ? { portName: c.portName } : {}),
      reason: c.reason,
      ingressPolicies: decidingPolicies(c.ingress),
      egressPolicies: decidingPolicies(c.egress),
    });
  }
  return {
    connections,
    warnings: warnings.map((w) => ({ ...w })),
    ignored: ignored.map((i) => ({ ...i })),
    summary: {
      pods: matrix.pods.length,
      classes: matrix.classes,
      connections: connections.length,
      allowed,
      denied: connections.length - allowed,
    },
  };
}

/** The `json` format: jsonReport, pretty-printed with two spaces and a final newline. */
export function formatJson(matrix: ConnectivityMatrix, warnings: readonly LintWarning[], ignored: readonly IgnoredObject[]): string {
  return `${JSON.stringify(jsonReport(matrix, warnings, ignored), null, 2)}\n`;
}
