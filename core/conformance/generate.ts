/**
 * `--generate N --seed S`: N cases from a seeded generator, on the model upstream and cyclonus use
 * (namespaces x, y, z labelled ns=<name>, pods a, b, c labelled pod=<name>, each serving 80 and 81
 * on TCP and UDP). Each axis cyclonus covers gets every one of its values within the first few
 * cases (the axis value is the case index plus a seeded offset, modulo the axis), and the seed
 * decides the rest: which pods and namespaces, which ports, which protocol. Pure and deterministic.
 */
import type { SourcedObject } from "../netpol/load";
import type { KubeObject, NetworkPolicyPeer, NetworkPolicyPort, NetworkPolicySpec, LabelSelector } from "../netpol/types";
import { buildCase } from "./caseModel";
import { DELETE_ANNOTATION } from "./state";
import type { ConformanceCase } from "./types";
import { seededRandom } from "../seededRandom";

export const DIRECTIONS = ["ingress", "egress", "both"] as const;
export const PEERS = ["pod", "namespace", "pod-and-namespace", "empty", "match-expressions", "any"] as const;
export const PORTS = ["none", "numbered", "named", "end-port", "protocol-only"] as const;
export const EXTRAS = ["none", "stacked", "conflicting", "default-deny"] as const;
export const UPDATES = ["none", "pod-label", "namespace-label", "policy-update", "policy-delete"] as const;

export interface GeneratedShape {
  direction: (typeof DIRECTIONS)[number];
  peer: (typeof PEERS)[number];
  port: (typeof PORTS)[number];
  extra: (typeof EXTRAS)[number];
  update: (typeof UPDATES)[number];
}

const NAMESPACES = ["x", "y", "z"];
const PODS = ["a", "b", "c"];

class Picker {
  constructor(private readonly random: () => number) {}
  int(n: number): number {
    return Math.floor(this.random() * n);
  }
  one<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
  chance(p: number): boolean {
    return this.random() < p;
  }
}

/** Upstream's model with namespace labels for namespace selectors to match. */
export function generatorModel(): KubeObject[] {
  const objects: KubeObject[] = [];
  for (const ns of NAMESPACES) objects.push({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns, labels: { ns } } });
  for (const ns of NAMESPACES) {
    for (const pod of PODS) {
      const ports = [80, 81].flatMap((port) => ["TCP", "UDP"].map((protocol) => ({ name: `serve-${port}-${protocol.toLowerCase()}`, containerPort: port, protocol })));
      objects.push({ apiVersion: "v1", kind: "Pod", metadata: { name: pod, namespace: ns, labels: { pod } }, spec: { containers: [{ name: "server", image: "agnhost", ports }] } });
    }
  }
  return objects;
}

function peerOf(kind: GeneratedShape["peer"], p: Picker): NetworkPolicyPeer[] | undefined {
  switch (kind) {
    case "pod":
      return [{ podSelector: { matchLabels: { pod: p.one(PODS) } } }];
    case "namespace":
      return [{ namespaceSelector: { matchLabels: { ns: p.one(NAMESPACES) } } }];
    case "pod-and-namespace":
      return [{ namespaceSelector: { matchLabels: { ns: p.one(NAMESPACES) } }, podSelector: { matchLabels: { pod: p.one(PODS) } } }];
    case "empty":
      return [p.chance(0.5) ? { podSelector: {} } : { namespaceSelector: {} }];
    case "match-expressions": {
      const nsOp = p.one(["In", "NotIn"] as const);
      const podSel: LabelSelector = p.chance(0.5) ? { matchExpressions: [{ key: "pod", operator: "In", values: [p.one(PODS), p.one(PODS)].filter((v, i, a) => a.indexOf(v) === i) }] } : { matchExpressions: [{ key: "pod", operator: "Exists" }] };
      return [{ namespaceSelector: { matchExpressions: [{ key: "ns", operator: nsOp, values: [p.one(NAMESPACES)] }] }, podSelector: podSel }];
    }
    case "any":
      return undefined;
  }
}

function portsOf(kind: GeneratedShape["port"], p: Picker): NetworkPolicyPort[] | undefined {
  const protocol = p.one(["TCP", "UDP"] as const);
  switch (kind) {
    case "none":
      return undefined;
    case "numbered":
      // Without protocol a port means TCP: the generator says so now and then.
      return [protocol === "TCP" && p.chance(0.5) ? { port: p.one([80, 81]) } : { protocol, port: p.one([80, 81]) }];
    case "named": {
      const port = p.one([80, 81]);
      return [{ protocol, port: `serve-${port}-${protocol.toLowerCase()}` }];
    }
    case "end-port":
      return [{ protocol, port: 80, endPort: 81 }];
    case "protocol-only":
      return [{ protocol }];
  }
}

function targetOf(p: Picker): LabelSelector {
  switch (p.int(4)) {
    case 0:
      return {};
    case 1:
      return { matchLabels: { pod: p.one(PODS) } };
    case 2:
      return { matchExpressions: [{ key: "pod", operator: "In", values: [p.one(PODS)] }] };
    default:
      return { matchExpressions: [{ key: "pod", operator: "NotIn", values: [p.one(PODS)] }] };
  }
}

function allowSpec(shape: GeneratedShape, p: Picker, peer = shape.peer, port = shape.port): NetworkPolicySpec {
  const rule = () => {
    const peers = peerOf(peer, p);
    const ports = portsOf(port, p);
    return { ...(peers ? { peers } : {}), ...(ports ? { ports } : {}) };
  };
  const spec: NetworkPolicySpec = { podSelector: targetOf(p) };
  if (shape.direction !== "egress") {
    const r = rule();
    spec.ingress = [{ ...(r.peers ? { from: r.peers } : {}), ...(r.ports ? { ports: r.ports } : {}) }];
  }
  if (shape.direction !== "ingress") {
    const r = rule();
    spec.egress = [{ ...(r.peers ? { to: r.peers } : {}), ...(r.ports ? { ports: r.ports } : {}) }];
  }
  // policyTypes may be left to the API server's defaulting for ingress-only policies.
  if (shape.direction !== "ingress" || p.chance(0.5)) spec.policyTypes = shape.direction === "ingress" ? ["Ingress"] : shape.direction === "egress" ? ["Egress"] : ["Ingress", "Egress"];
  return spec;
}

/** The default-deny forms: no rules for the listed direction(s), all pods of the namespace. */
function denySpec(p: Picker): NetworkPolicySpec {
  switch (p.int(4)) {
    case 0:
      return { podSelector: {} };
    case 1:
      return { podSelector: {}, policyTypes: ["Ingress"], ingress: [] };
    case 2:
      return { podSelector: {}, policyTypes: ["Egress"] };
    default:
      return { podSelector: {}, policyTypes: ["Ingress", "Egress"] };
  }
}

const policy = (namespace: string, name: string, spec: NetworkPolicySpec, annotations?: Record<string, string>): KubeObject => ({
  apiVersion: "networking.k8s.io/v1",
  kind: "NetworkPolicy",
  metadata: { name, namespace, ...(annotations ? { annotations } : {}) },
  spec,
});

/** The shape of case `index` for offsets drawn from the seed: every axis value within the first cases. */
export function shapeOf(index: number, offsets: readonly number[]): GeneratedShape {
  const at = <T>(axis: readonly T[], k: number) => axis[(index + offsets[k]) % axis.length];
  return { direction: at(DIRECTIONS, 0), peer: at(PEERS, 1), port: at(PORTS, 2), extra: at(EXTRAS, 3), update: at(UPDATES, 4) };
}

function generatedCase(seed: number, index: number, shape: GeneratedShape, p: Picker): ConformanceCase {
  const source = `generated (seed ${seed}, case ${index + 1})`;
  const ns = p.one(NAMESPACES);
  const step1: KubeObject[] = [];
  if (shape.extra === "default-deny" || shape.extra === "conflicting") step1.push(policy(ns, "deny", denySpec(p)));
  if (shape.extra !== "default-deny" || p.chance(0.5)) step1.push(policy(ns, "allow", allowSpec(shape, p)));
  if (shape.extra === "stacked") step1.push(policy(ns, "allow-more", allowSpec(shape, p, p.one(PEERS), p.one(PORTS))));
  const step2: KubeObject[] = [];
  const first = step1[0];
  switch (shape.update) {
    case "none":
      break;
    case "pod-label": {
      const [podNs, podName] = [p.one(NAMESPACES), p.one(PODS)];
      const pod = generatorModel().find((o) => o.kind === "Pod" && o.metadata.namespace === podNs && o.metadata.name === podName)!;
      step2.push({ ...pod, metadata: { ...pod.metadata, labels: { pod: p.one(PODS), relabelled: "true" } } });
      break;
    }
    case "namespace-label": {
      const name = p.one(NAMESPACES);
      step2.push({ apiVersion: "v1", kind: "Namespace", metadata: { name, labels: { ns: p.one(NAMESPACES.filter((n) => n !== name)) } } });
      break;
    }
    case "policy-update":
      step2.push(policy(ns, first.metadata.name, allowSpec({ ...shape, direction: p.one(DIRECTIONS) }, p, p.one(PEERS), p.one(PORTS))));
      break;
    case "policy-delete":
      step2.push(policy(ns, first.metadata.name, { podSelector: {} }, { [DELETE_ANNOTATION]: "true" }));
      break;
  }
  const sourced = (objects: KubeObject[], step: number): SourcedObject[] => objects.map((object, i) => ({ object, source: { file: `${source} step ${step}`, document: i + 1 } }));
  const name = `generated-${seed}-${String(index + 1).padStart(2, "0")}`;
  return buildCase({ name, source, base: sourced(generatorModel(), 0), steps: step2.length > 0 ? [sourced(step1, 1), sourced(step2, 2)] : [sourced(step1, 1)] });
}

/** N cases for a seed, with their shapes (for tests and the report). */
export function generateCases(count: number, seed: number): Array<{ case: ConformanceCase; shape: GeneratedShape }> {
  const p = new Picker(seededRandom(seed));
  const offsets = [DIRECTIONS, PEERS, PORTS, EXTRAS, UPDATES].map((axis) => p.int(axis.length));
  return Array.from({ length: count }, (_, i) => {
    const shape = shapeOf(i, offsets);
    return { case: generatedCase(seed, i, shape, p), shape };
  });
}
