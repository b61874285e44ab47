/**
 * The `table` format, for people: connections grouped by destination, one row per source and
 * port, with the verdict and the policies that decided it. Lines fit a 100-column terminal.
 */
import { describeExternalPorts, type Connection, type ConnectivityMatrix, type ExternalConnection, type PodInfo } from "../netpol";
import type { ReportOptions } from "./json";
import { explainConnection, portText } from "./explain";

export const TABLE_WIDTH = 100;
const INDENT = "  ";
const MAX_SOURCE_WIDTH = 40;
const VERDICT_WIDTH = 7;

/** Splits text into lines of at most `width` characters, breaking at spaces where it can. */
export function wrapText(text: string, width: number): string[] {
  const lines: string[] = [];
  let rest = text;
  while (rest.length > width) {
    let cut = rest.lastIndexOf(" ", width);
    if (cut <= 0) cut = width;
    lines.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  if (rest.length > 0 || lines.length === 0) lines.push(rest);
  return lines;
}

function podPorts(pod: PodInfo): string {
  if (pod.ports.length === 0) return "no container ports";
  return pod.ports.map((p) => `${portText(p.containerPort, p.protocol ?? "TCP")}${p.name ? ` (${p.name})` : ""}`).join(", ");
}

function destinationBlock(pod: PodInfo | undefined, to: string, rows: Connection[]): string[] {
  const header = `${to}${pod ? `  [${podPorts(pod)}]` : ""}`;
  const sourceWidth = Math.min(MAX_SOURCE_WIDTH, Math.max(4, ...rows.map((r) => r.from.length)));
  const portWidth = Math.max(4, ...rows.map((r) => portText(r.port, r.protocol).length));
  const whyColumn = INDENT.length + sourceWidth + 2 + portWidth + 2 + VERDICT_WIDTH + 2;
  const whyWidth = TABLE_WIDTH - whyColumn;
  const lines = [...wrapText(header, TABLE_WIDTH)];
  const cells = (from: string, port: string, verdict: string, why: string) =>
    `${INDENT}${from.padEnd(sourceWidth)}  ${port.padEnd(portWidth)}  ${verdict.padEnd(VERDICT_WIDTH)}  ${why}`.trimEnd();
  lines.push(cells("FROM", "PORT", "VERDICT", "WHY"));
  for (const r of rows) {
    const why = wrapText(explainConnection(r), whyWidth);
    // A source wider than its column gets a line of its own, so no name is ever cut.
    if (r.from.length > sourceWidth) lines.push(`${INDENT}${r.from}`);
    const from = r.from.length > sourceWidth ? "" : r.from;
    lines.push(cells(from, portText(r.port, r.protocol), r.allowed ? "ALLOWED" : "denied", why[0]));
    for (const more of why.slice(1)) lines.push(`${" ".repeat(whyColumn)}${more}`);
  }
  return lines;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** The table's summary line: pods, classes and connections. */
export function summaryText(pods: number, classes: number, total: number, allowed: number): string {
  return `${plural(pods, "pod")} (${plural(classes, "class", "classes")}), ${plural(total, "connection")}: ${allowed} allowed, ${total - allowed} denied.`;
}

/** The "Outside the cluster" section, line by line: one per pod and range, egress (->) and ingress (<-). */
function* externalLines(external: Iterable<ExternalConnection>): Generator<string> {
  let first = true;
  for (const e of external) {
    if (first) yield `${wrapText("Outside the cluster (IP ranges from the ipBlocks in play; a pod no policy isolates reaches, or is reached from, 0.0.0.0/0):", TABLE_WIDTH).join("\n")}\n`;
    first = false;
    const arrow = e.direction === "egress" ? "->" : "<-";
    yield `${wrapText(`  ${e.pod} ${arrow} ${e.range}: ${e.allowed ? `allowed ${describeExternalPorts(e.ports)}` : "denied"}`, TABLE_WIDTH).join("\n")}\n`;
  }
  if (!first) yield "\n";
}

/** The `table` format one destination block at a time, for writing large matrices without holding them. */
export function* tableChunks(matrix: ConnectivityMatrix, options: ReportOptions = {}): Generator<string> {
  const byId = new Map(matrix.pods.map((p) => [`${p.namespace || "default"}/${p.name}`, p]));
  let current: Connection[] = [];
  let allowed = 0;
  let total = 0;
  const block = () => `${destinationBlock(byId.get(current[0].to), current[0].to, current).join("\n")}\n\n`;
  // The matrix yields connections grouped by destination, so one pass groups them.
  for (const c of matrix.connections()) {
    if (current.length > 0 && current[0].to !== c.to) {
      yield block();
      current = [];
    }
    current.push(c);
    total++;
    if (c.allowed) allowed++;
  }
  if (current.length > 0) yield block();
  yield* externalLines(options.external ?? []);
  const silent = matrix.pods.filter((p) => p.ports.length === 0).map((p) => `${p.namespace || "default"}/${p.name}`);
  const footer = [summaryText(matrix.pods.length, matrix.classes, total, allowed)];
  if (silent.length > 0) {
    footer.push(...wrapText(`Not destinations (they declare no container port): ${silent.join(", ")}.`, TABLE_WIDTH));
  }
  yield `${footer.join("\n")}\n`;
}

export function formatTable(matrix: ConnectivityMatrix, options: ReportOptions = {}): string {
  return [...tableChunks(matrix, options)].join("");
}
