/**
 * What a pull request changes in who can reach whom: the difference between two `connectivity
 * --format json` reports (base and head), rendered as the markdown of one PR comment. Pure.
 */

import { nestedDeeperThan } from "./jsonDepth";
import { show } from "./netpol/errors";
import { PROTOCOLS } from "./netpol/ports";
import { portNameProblem } from "./netpol/validate";
import type { JsonConnection } from "./report/json";

/** Hidden first line of the comment; the workflow finds and updates the comment by it. */
export const COMMENT_MARKER = "<!-- prices-api-connectivity -->";

/** GitHub refuses comments above 65536 characters; stay clear of it. */
export const MAX_COMMENT_LENGTH = 60000;

/** Rows shown per table; the rest are counted (the full table follows in the comment). */
export const MAX_ROWS = 100;

/**
 * One connection of a report: the fields of the json contract the diff uses. The protocol stays a
 * plain string, because the base branch's report was written by whatever version it had.
 */
export type ReportConnection = Pick<JsonConnection, "from" | "to" | "port" | "portName" | "allowed"> & { protocol: string; reason: string };

export interface ConnectivityReport {
  connections: ReportConnection[];
  /** Every pod that appears in some connection, "ns/pod", sorted. */
  pods: string[];
}

/** A report that is not valid JSON or does not follow the contract; names the file and the field. */
export class ConnectivityReportError extends Error {
  constructor(
    readonly source: string,
    detail: string,
  ) {
    super(`${source}: ${detail}`);
    this.name = "ConnectivityReportError";
  }
}

// namespace/name as Kubernetes allows them: a report is read from an artifact a pull request could
// have crafted, and these names go verbatim (in code spans) into the PR comment.
const POD_REF = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** A report nests 3 levels (connections, a connection, its policy lists); deeper input is not one. */
const MAX_REPORT_DEPTH = 16;

function parseJson(text: string, source: string, command: string): unknown {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new ConnectivityReportError(source, `not valid JSON (${(err as Error).message}); expected the output of \`${command}\``);
  }
  // Refused before anything walks or prints it: a message that showed a 5,000-deep value would overflow.
  if (nestedDeeperThan(doc, MAX_REPORT_DEPTH)) throw new ConnectivityReportError(source, `the report is nested deeper than ${MAX_REPORT_DEPTH} levels; expected the output of \`${command}\``);
  return doc;
}

/** The protocol of a connection or way in: one of the three Kubernetes knows, which is all a report writes. */
function protocolOf(value: unknown, source: string, at: string): string {
  if (typeof value !== "string" || !(PROTOCOLS as readonly string[]).includes(value)) throw new ConnectivityReportError(source, `${at}.protocol is ${show(value)}; expected TCP, UDP or SCTP`);
  return value;
}

/** Parses and checks one report. Unknown extra fields (warnings, summary, ...) are ignored. */
export function parseConnectivityReport(text: string, source: string): ConnectivityReport {
  const doc = parseJson(text, source, "npm run --silent connectivity -- --format json");
  const list = doc !== null && typeof doc === "object" && !Array.isArray(doc) ? (doc as Record<string, unknown>).connections : undefined;
  if (!Array.isArray(list)) {
    throw new ConnectivityReportError(source, 'has no "connections" array; expected {"connections": [{"from": "ns/pod", "to": "ns/pod", "port": 8080, "protocol": "TCP", "allowed": true}, ...]}');
  }
  const pods = new Set<string>();
  const connections = list.map((entry: unknown, i): ReportConnection => {
    const at = `connections[${i}]`;
    if (entry === null || typeof entry !== "object" || Array.isArray(entry)) throw new ConnectivityReportError(source, `${at} is not an object`);
    const c = entry as Record<string, unknown>;
    for (const key of ["from", "to"] as const) {
      if (typeof c[key] !== "string" || !POD_REF.test(c[key] as string)) {
        throw new ConnectivityReportError(source, `${at}.${key} is ${show(c[key])}; expected "namespace/pod"`);
      }
    }
    if (typeof c.port !== "number" || !Number.isInteger(c.port) || c.port < 1 || c.port > 65535) {
      throw new ConnectivityReportError(source, `${at}.port is ${show(c.port)}; expected a port number 1-65535`);
    }
    const protocol = protocolOf(c.protocol, source, at);
    if (c.portName !== undefined && (typeof c.portName !== "string" || portNameProblem(c.portName) !== undefined)) {
      throw new ConnectivityReportError(source, `${at}.portName is ${show(c.portName)}; expected a port name (at most 15 lowercase letters, digits or '-')`);
    }
    if (typeof c.allowed !== "boolean") throw new ConnectivityReportError(source, `${at}.allowed is ${show(c.allowed)}; expected true or false`);
    pods.add(c.from as string);
    pods.add(c.to as string);
    return {
      from: c.from as string,
      to: c.to as string,
      port: c.port,
      protocol,
      ...(typeof c.portName === "string" ? { portName: c.portName } : {}),
      allowed: c.allowed,
      reason: typeof c.reason === "string" ? c.reason : "",
    };
  });
  return { connections, pods: [...pods].sort() };
}

/** A connection whose verdict differs between base and head. */
export interface ConnectionChange {
  from: string;
  to: string;
  port: number;
  protocol: string;
  portName?: string;
  /** Why it is allowed (opened) or refused (closed) now, or what disappeared. */
  why: string;
}

export interface ConnectivityDiff {
  opened: ConnectionChange[];
  closed: ConnectionChange[];
  podsAdded: string[];
  podsRemoved: string[];
  baseAllowed: number;
  headAllowed: number;
  headPods: number;
}

const keyOf = (c: ReportConnection): string => `${c.from}\u0000${c.to}\u0000${c.port}\u0000${c.protocol}`;

function byDestination(a: ConnectionChange, b: ConnectionChange): number {
  return a.to.localeCompare(b.to) || a.from.localeCompare(b.from) || a.port - b.port || a.protocol.localeCompare(b.protocol);
}

function change(c: ReportConnection, why: string): ConnectionChange {
  return { from: c.from, to: c.to, port: c.port, protocol: c.protocol, ...(c.portName ? { portName: c.portName } : {}), why };
}

/**
 * Opened: allowed in head, and refused or absent in base. Closed: allowed in base, and refused or
 * absent in head. A connection that only exists on one side (new pod, new port) counts when allowed.
 */
export function diffConnectivity(base: ConnectivityReport, head: ConnectivityReport): ConnectivityDiff {
  const baseByKey = new Map(base.connections.map((c) => [keyOf(c), c]));
  const headByKey = new Map(head.connections.map((c) => [keyOf(c), c]));
  const basePods = new Set(base.pods);
  const headPods = new Set(head.pods);
  const opened: ConnectionChange[] = [];
  const closed: ConnectionChange[] = [];
  for (const [key, h] of headByKey) {
    if (!h.allowed) continue;
    const b = baseByKey.get(key);
    if (b?.allowed) continue;
    const isNew = [h.from, h.to].filter((p) => !basePods.has(p));
    const prefix = b ? "" : isNew.length > 0 ? `new pod ${isNew.join(", ")}; ` : "new port; ";
    opened.push(change(h, `${prefix}${h.reason}`));
  }
  for (const [key, b] of baseByKey) {
    if (!b.allowed) continue;
    const h = headByKey.get(key);
    if (h?.allowed) continue;
    const gone = [b.from, b.to].filter((p) => !headPods.has(p));
    const why = h ? h.reason : gone.length > 0 ? `pod removed: ${gone.join(", ")}` : "port no longer served";
    closed.push(change(b, why));
  }
  return {
    opened: opened.sort(byDestination),
    closed: closed.sort(byDestination),
    podsAdded: head.pods.filter((p) => !basePods.has(p)),
    podsRemoved: base.pods.filter((p) => !headPods.has(p)),
    baseAllowed: base.connections.filter((c) => c.allowed).length,
    headAllowed: head.connections.filter((c) => c.allowed).length,
    headPods: head.pods.length,
  };
}

/** Text safe inside a markdown table cell: no cell or line break, no HTML, no link, image, code span or mention. */
function cell(text: string): string {
  return text
    .replace(/\\/g, "\\\\")
    .replace(/\|/g, "\\|")
    // A lone \r ends a line for Markdown as \n does, and so would end the table row.
    .replace(/\r\n|[\r\n\u2028\u2029]/g, " ")
    .replace(/</g, "&lt;")
    .replace(/([[\]`*_!])/g, "\\$1")
    .replace(/@/g, "&#64;");
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

function portOf(c: ConnectionChange): string {
  return `${c.port}/${c.protocol}${c.portName ? ` (${c.portName})` : ""}`;
}

function changeTable(title: string, changes: ConnectionChange[], maxRows: number): string[] {
  if (changes.length === 0) return [];
  const lines = [`#### ${title}`, "", "| From | To | Port | Why |", "| --- | --- | --- | --- |"];
  for (const c of changes.slice(0, maxRows)) lines.push(`| \`${c.from}\` | \`${c.to}\` | ${cell(portOf(c))} | ${cell(c.why)} |`);
  if (changes.length > maxRows) lines.push("", `…and ${changes.length - maxRows} more.`);
  lines.push("");
  return lines;
}

function podList(title: string, pods: string[], maxRows: number): string[] {
  if (pods.length === 0) return [];
  const lines = [`#### ${title}`, "", ...pods.slice(0, maxRows).map((p) => `- \`${p}\``)];
  if (pods.length > maxRows) lines.push(`- …and ${pods.length - maxRows} more`);
  lines.push("");
  return lines;
}

/**
 * The diff part of the comment: a summary line and any notes (as quotes), then what opened,
 * closed, appeared and disappeared.
 */
export function renderDiff(diff: ConnectivityDiff, maxRows = MAX_ROWS, notes: string[] = []): string {
  const unchanged = diff.opened.length + diff.closed.length + diff.podsAdded.length + diff.podsRemoved.length === 0;
  const lines = ["### Who can reach whom", ""];
  const quoted = notes.length > 0 ? [notes.map((n) => `> ${n}`).join("\n>\n"), ""] : [];
  if (unchanged) {
    lines.push(`No change in who can reach whom. (${plural(diff.headAllowed, "allowed connection")} among ${plural(diff.headPods, "pod")}.)`, "", ...quoted);
    return lines.join("\n");
  }
  const opens = diff.opened.length > 0 ? "⚠️ " : "";
  lines.push(
    `${opens}**This PR opens ${plural(diff.opened.length, "connection")} and closes ${diff.closed.length}**; ` +
      `${plural(diff.podsAdded.length, "pod")} added, ${diff.podsRemoved.length} removed. ` +
      `Allowed connections: ${diff.baseAllowed} → ${diff.headAllowed}.`,
    "",
    ...quoted,
  );
  lines.push(...changeTable("Opened (allowed now, refused or absent before)", diff.opened, maxRows));
  lines.push(...changeTable("Closed (refused or gone now, allowed before)", diff.closed, maxRows));
  lines.push(...podList("Pods added", diff.podsAdded, maxRows));
  lines.push(...podList("Pods removed", diff.podsRemoved, maxRows));
  return lines.join("\n");
}

export interface CommentParts {
  diff: ConnectivityDiff;
  /** Lines shown under the summary, e.g. that the base branch had no connectivity command. */
  notes?: string[];
  /** The head's `--format mermaid` output. */
  mermaid?: string;
  /** The head's `--format table` output. */
  table?: string;
  /** What changed in exposure (`connectivity --exposure`), shown only when something did. */
  exposure?: ExposureDiff;
  maxLength?: number;
}

/** A code fence longer than any backtick run in `text`, so nothing inside can close it. */
function fenceFor(text: string): string {
  return "`".repeat(Math.max(3, ...[...text.matchAll(/`+/g)].map((m) => m[0].length + 1)));
}

/** Whether text is what `connectivity --format mermaid` writes: a flowchart, without a fence of its own. */
export function isMermaidFlowchart(text: string): boolean {
  return /^flowchart\s/.test(text.trimStart());
}

function mermaidBlock(mermaid: string): string {
  const body = mermaid.trim();
  const fence = fenceFor(body);
  return `${fence}mermaid\n${body}\n${fence}`;
}

function tableBlock(table: string): string {
  const fence = fenceFor(table);
  return `<details><summary>Full connectivity table (head)</summary>\n\n${fence}text\n${table.trimEnd()}\n${fence}\n\n</details>`;
}

/**
 * The whole comment body: marker, diff, then the head's picture and full table. When it would
 * exceed GitHub's limit, the table and then the picture are replaced by a pointer to the job summary.
 */
export function renderComment(parts: CommentParts): string {
  const maxLength = parts.maxLength ?? MAX_COMMENT_LENGTH;
  const exposure = parts.exposure ? renderExposureDiff(parts.exposure) : "";
  const head = [COMMENT_MARKER, renderDiff(parts.diff, MAX_ROWS, parts.notes), ...(exposure ? [exposure] : [])];
  const picture = parts.mermaid !== undefined ? `#### Connectivity of this PR\n\n${mermaidBlock(parts.mermaid)}\n` : undefined;
  const table = parts.table !== undefined ? `${tableBlock(parts.table)}\n` : undefined;
  const omitted = "_Too large for a comment: see the workflow run's summary and artifacts._\n";
  const candidates = [
    [picture, table],
    [picture, table !== undefined ? omitted : undefined],
    [picture !== undefined || table !== undefined ? omitted : undefined],
  ];
  for (const extra of candidates) {
    const body = [...head, ...extra.filter((e): e is string => e !== undefined)].join("\n");
    if (body.length <= maxLength) return body;
  }
  return `${[...head, omitted].join("\n").slice(0, maxLength - omitted.length)}\n${omitted}`;
}

/** One way into a destination port, as `connectivity --exposure --format json` writes it. */
export interface ExposureEntry {
  to: string;
  port: number;
  protocol: string;
  way: string;
}

/** Parses an exposure report into its ways in; an empty or missing list is no exposure at all. */
export function parseExposureReport(text: string, source: string): ExposureEntry[] {
  const doc = parseJson(text, source, "npm run --silent connectivity -- --exposure --format json");
  const list = doc !== null && typeof doc === "object" ? (doc as { exposure?: unknown }).exposure : undefined;
  if (!Array.isArray(list)) throw new ConnectivityReportError(source, 'has no "exposure" array');
  const out: ExposureEntry[] = [];
  list.forEach((e: unknown, i) => {
    const x = e as { to?: unknown; port?: unknown; protocol?: unknown; ways?: unknown };
    if (typeof x?.to !== "string" || !POD_REF.test(x.to)) throw new ConnectivityReportError(source, `exposure[${i}].to is ${show(x?.to)}; expected "namespace/pod"`);
    if (typeof x.port !== "number" || !Number.isInteger(x.port) || x.port < 1 || x.port > 65535) throw new ConnectivityReportError(source, `exposure[${i}].port is ${show(x.port)}; expected a port number 1-65535`);
    const protocol = protocolOf(x.protocol ?? "TCP", source, `exposure[${i}]`);
    if (!Array.isArray(x.ways)) throw new ConnectivityReportError(source, `exposure[${i}].ways is not a list`);
    for (const w of x.ways) {
      const text = (w as { text?: unknown })?.text;
      if (typeof text !== "string") throw new ConnectivityReportError(source, `exposure[${i}].ways has an entry without text`);
      out.push({ to: x.to, port: x.port, protocol, way: text });
    }
  });
  return out;
}

export interface ExposureDiff {
  added: ExposureEntry[];
  removed: ExposureEntry[];
}

const exposureKey = (e: ExposureEntry) => `${e.to}\u0000${e.protocol}/${e.port}\u0000${e.way}`;

/** Ways in that the head has and the base had not (added), and the reverse (removed). */
export function diffExposure(base: readonly ExposureEntry[], head: readonly ExposureEntry[]): ExposureDiff {
  const b = new Set(base.map(exposureKey));
  const h = new Set(head.map(exposureKey));
  return { added: head.filter((e) => !b.has(exposureKey(e))), removed: base.filter((e) => !h.has(exposureKey(e))) };
}

/** The comment section about exposure, or "" when nothing changed. */
export function renderExposureDiff(diff: ExposureDiff, maxRows = MAX_ROWS): string {
  if (diff.added.length === 0 && diff.removed.length === 0) return "";
  const table = (title: string, rows: ExposureEntry[]) =>
    rows.length === 0
      ? []
      : [
          `##### ${title}`,
          "",
          "| To | Port | Who could get in |",
          "| --- | --- | --- |",
          ...rows.slice(0, maxRows).map((e) => `| \`${e.to}\` | ${e.port}/${cell(e.protocol)} | ${cell(e.way)} |`),
          ...(rows.length > maxRows ? [`…and ${rows.length - maxRows} more.`] : []),
          "",
        ];
  return [
    "#### Exposure changed",
    "",
    "Who could reach these workloads, existing pods or future ones, by the policies alone (`connectivity --exposure`).",
    "",
    ...table("New ways in", diff.added),
    ...table("Ways in removed", diff.removed),
  ].join("\n");
}
