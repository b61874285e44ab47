/**
 * The `mermaid` format: a `flowchart LR` picture GitHub renders in READMEs and PR comments.
 * Pods sit in one subgraph per namespace; each (source, destination) pair gets at most one
 * edge: solid when some port is allowed (labelled with the ports), dashed red when every port
 * is denied. Denied edges are drawn only into destinations that admit someone else, because
 * those refusals are the ones a reader checks; everything else denied is the quiet default.
 * Above MERMAID_POD_LIMIT pods the picture is aggregated by namespace to stay readable.
 */
import { describeExternalPorts, type Connection, type ConnectivityMatrix, type ExternalConnection } from "../netpol";
import type { ReportOptions } from "./json";
import { portText } from "./explain";

/** Above this many pods, nodes are namespaces instead of pods. */
export const MERMAID_POD_LIMIT = 60;
/** At most this many denied edges are drawn; beyond it they are summarised in a comment. */
export const MERMAID_DENIED_EDGE_LIMIT = 30;
const MAX_PORTS_IN_LABEL = 4;
const DENIED_STYLE = "stroke:#c62828,stroke-width:1px,stroke-dasharray:4 3,color:#c62828";

/**
 * A mermaid node id for any string: letters and digits are kept, every other character becomes
 * `_<hex code>_` (so the mapping is one-to-one), and a prefix keeps ids off keywords like `end`.
 */
export function mermaidId(prefix: string, name: string): string {
  let out = `${prefix}_`;
  for (const ch of name) out += /[A-Za-z0-9]/.test(ch) ? ch : `_${ch.codePointAt(0)!.toString(16)}_`;
  return out;
}

/** A label safe inside `["..."]` or `|"..."|`: quotes and angle brackets become mermaid entities. */
export function mermaidLabel(text: string): string {
  return text.replace(/"/g, "#quot;").replace(/</g, "#lt;").replace(/>/g, "#gt;");
}

interface Edge {
  from: string;
  to: string;
  allowed: Set<string>;
  denied: Set<string>;
}

function portsLabel(ports: Set<string>): string {
  const sorted = [...ports].sort((a, b) => parseInt(a, 10) - parseInt(b, 10) || (a < b ? -1 : a > b ? 1 : 0));
  const shown = sorted.slice(0, MAX_PORTS_IN_LABEL).join(", ");
  return sorted.length > MAX_PORTS_IN_LABEL ? `${shown} +${sorted.length - MAX_PORTS_IN_LABEL} more` : shown;
}

function collectEdges(connections: Iterable<Connection>, key: (podId: string) => string): Map<string, Edge> {
  const edges = new Map<string, Edge>();
  for (const c of connections) {
    const from = key(c.from);
    const to = key(c.to);
    const k = `${from}\u0000${to}`;
    let e = edges.get(k);
    if (!e) {
      e = { from, to, allowed: new Set(), denied: new Set() };
      edges.set(k, e);
    }
    (c.allowed ? e.allowed : e.denied).add(portText(c.port, c.protocol));
  }
  return edges;
}

function edgeLines(edges: Map<string, Edge>, nodeId: (key: string) => string): string[] {
  const all = [...edges.values()];
  const allowed = all.filter((e) => e.allowed.size > 0);
  const admitsSomeone = new Set(allowed.map((e) => e.to));
  const denied = all.filter((e) => e.allowed.size === 0 && admitsSomeone.has(e.to));
  const lines = allowed.map((e) => `  ${nodeId(e.from)} -->|"${mermaidLabel(portsLabel(e.allowed))}"| ${nodeId(e.to)}`);
  if (denied.length > MERMAID_DENIED_EDGE_LIMIT) {
    lines.push(`  %% ${denied.length} denied pairs into pods that admit others are not drawn (limit ${MERMAID_DENIED_EDGE_LIMIT})`);
    return lines;
  }
  for (const e of denied) lines.push(`  ${nodeId(e.from)} -.->|"${mermaidLabel(`denied ${portsLabel(e.denied)}`)}"| ${nodeId(e.to)}`);
  if (denied.length > 0) {
    const indexes = denied.map((_, i) => allowed.length + i);
    lines.push(`  linkStyle ${indexes.join(",")} ${DENIED_STYLE}`);
  }
  return lines;
}

function splitPodId(id: string): { namespace: string; name: string } {
  const slash = id.indexOf("/");
  return { namespace: id.slice(0, slash), name: id.slice(slash + 1) };
}

function podPicture(matrix: ConnectivityMatrix): string[] {
  const byNamespace = new Map<string, string[]>();
  for (const p of matrix.pods) {
    const ns = p.namespace || "default";
    byNamespace.set(ns, [...(byNamespace.get(ns) ?? []), p.name]);
  }
  const lines: string[] = [];
  for (const [ns, names] of [...byNamespace].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    lines.push(`  subgraph ${mermaidId("ns", ns)}["${mermaidLabel(ns)}"]`);
    for (const name of names) lines.push(`    ${mermaidId("pod", `${ns}/${name}`)}["${mermaidLabel(name)}"]`);
    lines.push("  end");
  }
  lines.push(...edgeLines(collectEdges(matrix.connections(), (id) => id), (id) => mermaidId("pod", id)));
  return lines;
}

function namespacePicture(matrix: ConnectivityMatrix): string[] {
  const counts = new Map<string, number>();
  for (const p of matrix.pods) counts.set(p.namespace || "default", (counts.get(p.namespace || "default") ?? 0) + 1);
  const lines = [`  %% ${matrix.pods.length} pods: aggregated by namespace (more than ${MERMAID_POD_LIMIT} pods)`];
  for (const [ns, n] of [...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    lines.push(`  ${mermaidId("ns", ns)}["${mermaidLabel(`${ns} (${n} pod${n === 1 ? "" : "s"})`)}"]`);
  }
  lines.push(...edgeLines(collectEdges(matrix.connections(), (id) => splitPodId(id).namespace), (ns) => mermaidId("ns", ns)));
  return lines;
}

/**
 * Allowed traffic to and from outside the cluster: one node per IP range, an edge per pod (or per
 * namespace when aggregated) labelled with the ports. Denied ranges are not drawn.
 */
function externalPicture(external: Iterable<ExternalConnection>, aggregated: boolean): string[] {
  const node = (pod: string) => (aggregated ? mermaidId("ns", splitPodId(pod).namespace) : mermaidId("pod", pod));
  const ranges = new Set<string>();
  // Edges, deduplicated: aggregated by namespace they stay few however many pods there are.
  const edges = new Set<string>();
  for (const e of external) {
    if (!e.allowed) continue;
    ranges.add(e.range);
    const [from, to] = e.direction === "egress" ? [node(e.pod), mermaidId("ip", e.range)] : [mermaidId("ip", e.range), node(e.pod)];
    edges.add(`  ${from} -->|"${mermaidLabel(describeExternalPorts(e.ports))}"| ${to}`);
  }
  return [...[...ranges].map((r) => `  ${mermaidId("ip", r)}(["${mermaidLabel(r)}"])`), ...edges];
}

export function formatMermaid(matrix: ConnectivityMatrix, options: ReportOptions = {}): string {
  const aggregated = matrix.pods.length > MERMAID_POD_LIMIT;
  const body = aggregated ? namespacePicture(matrix) : podPicture(matrix);
  return `${["flowchart LR", ...body, ...externalPicture(options.external ?? [], aggregated)].join("\n")}\n`;
}
