/**
 * The `json` format: a contract other tools parse, so field names and order are fixed and
 * documented in docs/connectivity.md. Connections keep the matrix order (destination, source, port).
 */
import type { Connection, ConnectivityMatrix, ExternalConnection, ExternalPorts, IgnoredObject, LintWarning, Protocol } from "../netpol";
import { joinChunks, type ReportChunk } from "./chunks";
import { decidingPolicies } from "./explain";
import { connectionLineBytes, type LineCounts, type LineParts } from "./lineBytes";

/** The json contract's version: 2 made connections lean (reason and policies only with --explain). */
export const JSON_CONTRACT_VERSION = 2;

/** What the formats add on request. */
export interface ReportOptions {
  /** Each connection's reason and deciding policies (json, csv). */
  explain?: boolean;
  /** Egress to and ingress from IP ranges outside the cluster (json, table, csv, mermaid); read once, as it streams. */
  external?: Iterable<ExternalConnection>;
}

/** One connection as the json format writes it. */
export interface JsonConnection {
  from: string;
  to: string;
  port: number;
  protocol: Protocol;
  allowed: boolean;
  portName?: string;
  /** With --explain: the engine's sentence. */
  reason?: string;
  /** With --explain: policies that decided ingress to `to`: the admitting ones if allowed, every isolating one if denied; [] if not isolated. */
  ingressPolicies?: string[];
  /** With --explain: the same for egress from `from`. */
  egressPolicies?: string[];
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
  version: number;
  connections: JsonConnection[];
  /** Egress to and ingress from IP ranges: port sets, not container ports (docs/connectivity.md). */
  external: ExternalConnection[];
  warnings: LintWarning[];
  ignored: IgnoredObject[];
  summary: JsonSummary;
}

/** A lean connection's line in two halves, for connectionLineBytes. */
const LEAN_JSON_LINE: LineParts = {
  separator: ",",
  source: (id) => `\n    {"from":${JSON.stringify(id)},"to":`,
  destination: (id, p, allowed) =>
    `${JSON.stringify(id)},"port":${p.port},"protocol":"${p.protocol}","allowed":${allowed}${p.portName === undefined ? "" : `,"portName":${JSON.stringify(p.portName)}`}}`,
};

function jsonConnection(c: Connection, explain: boolean): JsonConnection {
  const lean: JsonConnection = {
    from: c.from,
    to: c.to,
    port: c.port,
    protocol: c.protocol,
    allowed: c.allowed,
    ...(c.portName !== undefined ? { portName: c.portName } : {}),
  };
  if (!explain) return lean;
  return { ...lean, reason: c.reason, ingressPolicies: decidingPolicies(c.ingress), egressPolicies: decidingPolicies(c.egress) };
}

function indented(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(/\n/g, "\n  ");
}

/**
 * An external connection's line, as JSON.stringify writes it. Its second half (range, ports,
 * allowed) is shared: port lists are shared by every pod with the same verdict, and ranges are
 * few, so the half is built once per pair instead of once per row (tens of thousands of rows).
 */
function externalLine(): (e: ExternalConnection) => string {
  // Keyed by the range string itself: ranges are a few shared strings whose hash V8 keeps, where a
  // key built per row would be hashed afresh, and range names run to hundreds of characters.
  const tails = new Map<string, { allowed: Map<ExternalPorts, string>; denied: Map<ExternalPorts, string> }>();
  let pod = "";
  let direction = "";
  let head = "";
  return (e) => {
    let byVerdict = tails.get(e.range);
    if (!byVerdict) tails.set(e.range, (byVerdict = { allowed: new Map(), denied: new Map() }));
    const byPorts = e.allowed ? byVerdict.allowed : byVerdict.denied;
    let tail = byPorts.get(e.ports);
    if (tail === undefined) {
      tail = `"range":${JSON.stringify(e.range)},"ports":${JSON.stringify(e.ports)},"allowed":${e.allowed}}`;
      byPorts.set(e.ports, tail);
    }
    // Rows come a pod at a time: its half changes only with the pod or the direction.
    if (e.pod !== pod || e.direction !== direction) {
      pod = e.pod;
      direction = e.direction;
      head = `{"direction":"${e.direction}","pod":${JSON.stringify(e.pod)},`;
    }
    return head + tail;
  };
}

/**
 * The elements of a json array, one per line, gathered into ~256 KiB pieces (one yield per
 * element costs more than the element); returns how many there were.
 */
function* arrayLines(lines: Iterable<string>): Generator<string, number> {
  let n = 0;
  let piece = "";
  for (const line of lines) {
    piece += `${n === 0 ? "" : ","}\n    ${line}`;
    n++;
    if (piece.length >= 262_144) {
      yield piece;
      piece = "";
    }
  }
  if (piece.length > 0) yield piece;
  return n;
}

/** Connections with --explain: a sentence and two policy lists each, so no shortcut. */
function* explainedLines(matrix: ConnectivityMatrix): Generator<string, LineCounts> {
  let allowed = 0;
  const total = yield* arrayLines(
    (function* () {
      for (const c of matrix.connections()) {
        if (c.allowed) allowed++;
        yield JSON.stringify(jsonConnection(c, true));
      }
    })(),
  );
  return { total, allowed };
}

/**
 * The `json` format in pieces (text, or bytes for the lean connections), so a CLI can write a
 * million connections without holding them: the document is pretty-printed except that each
 * connection sits on one line (grep-friendly).
 */
export function* jsonChunks(matrix: ConnectivityMatrix, warnings: readonly LintWarning[], ignored: readonly IgnoredObject[], options: ReportOptions = {}): Generator<ReportChunk> {
  yield `{\n  "version": ${JSON_CONTRACT_VERSION},\n  "connections": [`;
  const { total, allowed } = options.explain === true ? yield* explainedLines(matrix) : yield* connectionLineBytes(matrix, LEAN_JSON_LINE);
  yield total === 0 ? "],\n" : "\n  ],\n";
  yield `  "external": [`;
  const line = externalLine();
  const rows = yield* arrayLines(
    (function* () {
      for (const e of options.external ?? []) yield line(e);
    })(),
  );
  yield `${rows > 0 ? "\n  " : ""}],\n`;
  const summary: JsonSummary = { pods: matrix.pods.length, classes: matrix.classes, connections: total, allowed, denied: total - allowed };
  yield `  "warnings": ${indented(warnings)},\n  "ignored": ${indented(ignored)},\n  "summary": ${indented(summary)}\n}\n`;
}

/** The `json` format as one string. */
export function formatJson(matrix: ConnectivityMatrix, warnings: readonly LintWarning[], ignored: readonly IgnoredObject[], options: ReportOptions = {}): string {
  return joinChunks(jsonChunks(matrix, warnings, ignored, options));
}
