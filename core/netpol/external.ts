/**
 * Endpoints outside the cluster: egress to, and ingress from, IP ranges. The ranges come from the
 * ipBlocks in play: the address space is split at every cidr/except boundary, and addresses that
 * every ipBlock treats alike form one range (plus "everything else"). Any address of a range gets
 * the same verdict, so one representative address decides for all of it. Pure.
 */
import { ConnectivityEngine, podId } from "./engine";
import { selectsPod, type PodSelector } from "./matrix";
import { ADDRESS_BITS, cidrContainsIP, cidrEnd, parseCIDR, parseIP, type CIDR, type IPAddress, type IPFamily } from "./ip";
import { compileIPBlock, ipBlockMatches } from "./ipblock";
import { peersOf } from "./policy";
import { portsKey, protocolOf, rulePortsMatch } from "./ports";
import type { ClusterModel, NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort, PodInfo } from "./types";

/** What a pod that no policy isolates reaches, or is reached from: the whole address space. */
export const ALL_ADDRESSES = "0.0.0.0/0 (all)";

export interface ExternalRange {
  /** e.g. "10.0.0.0/8 except 10.1.0.0/16", or "everything else (IPv4)". */
  name: string;
  family: IPFamily;
  /** One address inside the range, for matching. */
  representative: string;
}

/** Ports of an external connection: every port, or the rules' ports ("TCP/443", "TCP/8000-8080", "UDP/53"). */
export type ExternalPorts = "all" | string[];

export interface ExternalConnection {
  direction: "egress" | "ingress";
  /** "namespace/pod" inside the cluster. */
  pod: string;
  /** The range's name, or ALL_ADDRESSES when the pod is not isolated in that direction. */
  range: string;
  /** Egress: the ports the rules open to that range. Ingress: the pod's own ports open from it. */
  ports: ExternalPorts;
  allowed: boolean;
}


function formatIP(family: IPFamily, value: bigint): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 255n)).join(".");
  const groups: string[] = [];
  for (let s = 112n; s >= 0n; s -= 16n) groups.push(((value >> s) & 0xffffn).toString(16));
  // RFC 5952: the longest run of two or more zero groups becomes "::".
  let best = { at: -1, len: 1 };
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === "0") j++;
    if (j - i > best.len) best = { at: i, len: j - i };
    i = j === i ? i + 1 : j;
  }
  if (best.at < 0) return groups.join(":");
  return `${groups.slice(0, best.at).join(":")}::${groups.slice(best.at + best.len).join(":")}`;
}

const cidrText = (c: CIDR) => `${formatIP(c.family, c.base)}/${c.prefix}`;

/** The disjoint ranges the ipBlocks of the model tell apart, per address family in use. */
export function externalRanges(model: ClusterModel): ExternalRange[] {
  const cidrs: CIDR[] = [];
  const seen = new Set<string>();
  for (const policy of model.policies) {
    for (const peer of peersOf(policy)) {
      if (!peer.ipBlock) continue;
      for (const text of [peer.ipBlock.cidr, ...(peer.ipBlock.except ?? [])]) {
        const c = parseCIDR(text);
        if (c && !seen.has(`${c.family}|${c.base}|${c.prefix}`)) {
          seen.add(`${c.family}|${c.base}|${c.prefix}`);
          cidrs.push(c);
        }
      }
    }
  }
  const out: ExternalRange[] = [];
  for (const family of [4, 6] as const) {
    const mine = cidrs.filter((c) => c.family === family);
    if (mine.length === 0) continue;
    const size = 1n << BigInt(ADDRESS_BITS[family]);
    const points = new Set<bigint>([0n]);
    for (const c of mine) {
      points.add(c.base);
      const end = cidrEnd(c);
      if (end < size) points.add(end);
    }
    const starts = [...points].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const groups = new Map<string, ExternalRange>();
    for (const start of starts) {
      const ip = { family, value: start };
      const containing = mine.filter((c) => cidrContainsIP(c, ip));
      const signature = containing.map(cidrText).sort().join(",");
      if (groups.has(signature)) continue;
      let name: string;
      if (containing.length === 0) {
        name = `everything else (IPv${family})`;
      } else {
        // CIDRs are nested or disjoint, so the longest containing prefix names the range and the
        // CIDRs nested inside it that do not contain this address are its exceptions.
        const inner = containing.reduce((a, b) => (b.prefix > a.prefix ? b : a));
        const excluded = mine.filter((c) => c.prefix > inner.prefix && cidrContainsIP(inner, { family, value: c.base }) && !cidrContainsIP(c, ip));
        name = `${cidrText(inner)}${excluded.length > 0 ? ` except ${excluded.map(cidrText).join(", ")}` : ""}`;
      }
      groups.set(signature, { name, family, representative: formatIP(family, start) });
    }
    out.push(...groups.values());
  }
  return out;
}

const compiled = new WeakMap<object, ReturnType<typeof compileIPBlock>>();

/** Whether a rule's peers admit an outside address: no peers means everyone; selectors never match it. */
function peersAdmitAddress(peers: NetworkPolicyPeer[] | undefined, ip: IPAddress): boolean {
  if (!peers || peers.length === 0) return true;
  return peers.some((p) => {
    if (!p.ipBlock) return false;
    if (!compiled.has(p.ipBlock)) compiled.set(p.ipBlock, compileIPBlock(p.ipBlock));
    const block = compiled.get(p.ipBlock);
    return block !== undefined && ipBlockMatches(block, ip);
  });
}

function portText(p: NetworkPolicyPort): string | undefined {
  // A named port names a container port of the destination; an outside address has none.
  if (typeof p.port === "string") return undefined;
  const protocol = protocolOf(p);
  if (p.port === undefined) return `${protocol}/all`;
  return `${protocol}/${p.port}${p.endPort !== undefined ? `-${p.endPort}` : ""}`;
}

function egressPorts(policies: NetworkPolicy[], ip: IPAddress): ExternalPorts {
  const ports = new Set<string>();
  for (const policy of policies) {
    for (const rule of policy.spec.egress ?? []) {
      if (!peersAdmitAddress(rule.to, ip)) continue;
      if (!rule.ports || rule.ports.length === 0) return "all";
      for (const p of rule.ports) {
        const text = portText(p);
        if (text) ports.add(text);
      }
    }
  }
  return [...ports].sort();
}

function ingressPorts(policies: NetworkPolicy[], pod: PodInfo, ip: IPAddress): string[] {
  const open = new Set<string>();
  for (const cp of pod.ports) {
    const protocol = protocolOf(cp);
    const admitted = policies.some((policy) => (policy.spec.ingress ?? []).some((rule) => peersAdmitAddress(rule.from, ip) && rulePortsMatch(rule.ports, cp.containerPort, protocol, pod.ports)));
    if (admitted) open.add(`${protocol}/${cp.containerPort}`);
  }
  return [...open].sort();
}


/** A verdict for one range: the ports and whether anything is allowed; distinct ones are few, so they are shared. */
interface RangeVerdict {
  ports: ExternalPorts;
  allowed: boolean;
}

/**
 * Egress to and ingress from the outside, in pod order (egress first). With `query.from` only the
 * egress of those pods, with `query.to` only the ingress of those: what a focus query prints is
 * all that is computed.
 */
export function* externalConnections(model: ClusterModel, query: { from?: PodSelector; to?: PodSelector } = {}, engine = new ConnectivityEngine(model)): Generator<ExternalConnection> {
  const ranges = externalRanges(model);
  // With no ipBlock in play every outside address is treated alike; any one address stands for all.
  const checked = ranges.length > 0 ? ranges : [{ name: ALL_ADDRESSES, family: 4 as const, representative: "192.0.2.1" }];
  const addresses = checked.map((range) => parseIP(range.representative) as IPAddress);
  const wantEgress = query.to === undefined;
  const wantIngress = query.from === undefined;
  // Pods the policies cannot tell apart get the same verdicts: computed once per class, kept as
  // indexes into a small table of distinct verdicts (thousands of classes x dozens of ranges).
  const verdicts: RangeVerdict[] = [];
  const verdictIndex = new Map<string, number>();
  const intern = (v: RangeVerdict): number => {
    const key = `${v.allowed}|${v.ports === "all" ? "all" : v.ports.join(",")}`;
    let i = verdictIndex.get(key);
    if (i === undefined) {
      i = verdicts.length;
      verdicts.push(v);
      verdictIndex.set(key, i);
    }
    return i;
  };
  // Verdicts depend only on the isolating policies (and, for ingress, the pod's ports): classes
  // share them, and many classes are isolated by the same few policies.
  const byClass = new Map<number, Uint32Array | RangeVerdict>();
  const byPolicies = new Map<string, Uint32Array | RangeVerdict>();
  const verdictsOf = (pod: PodInfo, direction: "egress" | "ingress"): Uint32Array | RangeVerdict => {
    const cls = engine.classifier.classOf(pod);
    const classKey = cls.id * 2 + (direction === "egress" ? 0 : 1);
    const known = byClass.get(classKey);
    if (known) return known;
    const targets = engine.targetsOf(cls);
    const ids = direction === "egress" ? targets.egressIds : targets.ingressIds;
    const policiesKey = `${direction}|${ids.join(",")}|${direction === "ingress" ? portsKey(cls.ports) : ""}`;
    let result = byPolicies.get(policiesKey);
    if (!result) {
      const policies = (direction === "egress" ? targets.egress : targets.ingress).map((c) => c.policy);
      if (policies.length === 0) {
        // Not isolated: one row, the whole address space.
        result = direction === "egress" ? { ports: "all", allowed: true } : { ports: pod.ports.map((cp) => `${protocolOf(cp)}/${cp.containerPort}`).sort(), allowed: true };
      } else {
        const row = new Uint32Array(checked.length);
        for (let i = 0; i < checked.length; i++) {
          const ip = addresses[i];
          const ports = direction === "egress" ? egressPorts(policies, ip) : ingressPorts(policies, pod, ip);
          row[i] = intern({ ports, allowed: ports === "all" || ports.length > 0 });
        }
        result = row;
      }
      byPolicies.set(policiesKey, result);
    }
    byClass.set(classKey, result);
    return result;
  };
  function* rows(pod: string, direction: "egress" | "ingress", v: Uint32Array | RangeVerdict): Generator<ExternalConnection> {
    if (!(v instanceof Uint32Array)) {
      yield { direction, pod, range: ALL_ADDRESSES, ports: v.ports, allowed: v.allowed };
      return;
    }
    for (let i = 0; i < v.length; i++) yield { direction, pod, range: checked[i].name, ports: verdicts[v[i]].ports, allowed: verdicts[v[i]].allowed };
  }
  // Produced row by row: at 5,000 pods and a hundred ranges a list would hold half a million rows.
  const pods = model.pods.map((pod) => ({ pod, id: podId(pod) })).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const { pod, id } of pods) {
    if (wantEgress && selectsPod(query.from, pod)) yield* rows(id, "egress", verdictsOf(pod, "egress"));
    if (wantIngress && pod.ports.length > 0 && selectsPod(query.to, pod)) yield* rows(id, "ingress", verdictsOf(pod, "ingress"));
  }
}

/** The external connections a focus query asks for: --from/--to name the pod inside, --port and --allowed/--denied apply too. */
export function* queryExternal(
  connections: Iterable<ExternalConnection>,
  query: { from?: PodSelector; to?: PodSelector; port?: number; allowed?: boolean },
): Generator<ExternalConnection> {
  const matches = (sel: PodSelector, id: string) => {
    const slash = id.indexOf("/");
    return selectsPod(sel, { namespace: id.slice(0, slash), name: id.slice(slash + 1) });
  };
  for (const c of connections) {
    if (c.direction === "egress" && (query.to !== undefined || (query.from !== undefined && !matches(query.from, c.pod)))) continue;
    if (c.direction === "ingress" && (query.from !== undefined || (query.to !== undefined && !matches(query.to, c.pod)))) continue;
    if (query.allowed !== undefined && c.allowed !== query.allowed) continue;
    if (query.port !== undefined && c.ports !== "all" && !c.ports.some((p) => portCovers(p, query.port!))) continue;
    yield c;
  }
}

function portCovers(text: string, port: number): boolean {
  const range = text.slice(text.indexOf("/") + 1);
  if (range === "all") return true;
  const [lo, hi] = range.split("-").map(Number);
  return port >= lo && port <= (hi ?? lo);
}

/** "TCP/443, UDP/53", "all ports", or "nothing". */
export function describeExternalPorts(ports: ExternalPorts): string {
  return ports === "all" ? "all ports" : ports.length === 0 ? "nothing" : ports.join(", ");
}
