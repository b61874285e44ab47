/**
 * Exposure: what COULD reach a destination, including workloads that do not exist yet. For each
 * destination pod and port, the conditions under which a source gets in, read from the policies
 * themselves: namespace labels AND pod labels (one policy peer), an IP range, or anyone when no
 * policy isolates the destination. netpol-analyzer calls this exposure analysis. Pure.
 *
 * Only ingress is read: a future caller's own egress policies are not known yet.
 */
import { ConnectivityEngine, podId } from "./engine";
import { NAMESPACE_NAME_LABEL, policyId, policyNamespace } from "./policy";
import { protocolOf, rulePortsMatch } from "./ports";
import { describeSelector, isEmptySelector } from "./selectors";
import type { ClusterModel, IPBlock, LabelSelector, NetworkPolicy, PodInfo, Protocol } from "./types";

/** One way in: a peer of an ingress rule that admits the port, or "anyone" for an unisolated pod. */
export type ExposureWay =
  | { kind: "anyone"; because: string }
  | { kind: "pods"; namespaces: LabelSelector; pods: LabelSelector; policy: string }
  | { kind: "ipBlock"; cidr: string; except: string[]; policy: string };

export interface Exposure {
  /** "namespace/pod" of the destination. */
  to: string;
  port: number;
  protocol: Protocol;
  portName?: string;
  ways: ExposureWay[];
}

function selectorText(s: LabelSelector, what: string): string {
  if (isEmptySelector(s)) return `any ${what}`;
  return `${what} with ${describeSelector(s).slice(1, -1).replace(/, /g, " and ")}`;
}

/** Exposure as text lines: one per way in, or "nothing" for an isolated pod no rule opens. */
export function formatExposure(exposures: readonly Exposure[]): string {
  const lines: string[] = [];
  for (const e of exposures) {
    const port = `${e.protocol} ${e.port}${e.portName ? ` (${e.portName})` : ""}`;
    lines.push(`${e.to} ${port}:`);
    if (e.ways.length === 0) lines.push("  nothing can reach it (isolated for ingress, and no rule admits this port)");
    for (const w of e.ways) lines.push(`  ${describeWay(w, e.port, e.protocol)}`);
  }
  return lines.length === 0 ? "no destination pod declares a port\n" : `${lines.join("\n")}\n`;
}

/** "any pod with app=x in a namespace with project=y and kubernetes.io/metadata.name=y, TCP 8080". */
export function describeWay(way: ExposureWay, port: number, protocol: Protocol): string {
  const on = `${protocol} ${port}`;
  if (way.kind === "anyone") return `anyone, ${on} (${way.because})`;
  if (way.kind === "ipBlock") return `IP range ${way.cidr}${way.except.length ? ` except ${way.except.join(", ")}` : ""}, ${on} (${way.policy})`;
  const pods = selectorText(way.pods, "pod").replace(/^pod with/, "any pod with");
  const ns = isEmptySelector(way.namespaces) ? "in any namespace" : `in a ${selectorText(way.namespaces, "namespace")}`;
  return `${pods} ${ns}, ${on} (${way.policy})`;
}

/** The ways into one destination pod on one of its ports, given the policies isolating its ingress. */
function waysInto(isolating: readonly NetworkPolicy[], pod: PodInfo, port: number, protocol: Protocol): ExposureWay[] {
  if (isolating.length === 0) return [{ kind: "anyone", because: "no policy isolates it for ingress" }];
  const ways: ExposureWay[] = [];
  for (const policy of isolating) {
    const id = policyId(policy);
    for (const rule of policy.spec.ingress ?? []) {
      if (!rulePortsMatch(rule.ports, port, protocol, pod.ports)) continue;
      if (!rule.from || rule.from.length === 0) {
        ways.push({ kind: "anyone", because: `${id} admits every source` });
        continue;
      }
      for (const peer of rule.from) {
        if (peer.ipBlock) {
          const block: IPBlock = peer.ipBlock;
          ways.push({ kind: "ipBlock", cidr: block.cidr, except: [...(block.except ?? [])], policy: id });
          continue;
        }
        // No namespaceSelector: the policy's own namespace, which only its name label identifies.
        const namespaces = peer.namespaceSelector ?? { matchLabels: { [NAMESPACE_NAME_LABEL]: policyNamespace(policy) } };
        ways.push({ kind: "pods", namespaces, pods: peer.podSelector ?? {}, policy: id });
      }
    }
  }
  return ways;
}

/** Exposure of every destination pod (or those `selects` keeps) and each of its ports, in pod order. */
export function computeExposure(model: ClusterModel, selects: (pod: PodInfo) => boolean = () => true, engine = new ConnectivityEngine(model)): Exposure[] {
  const out: Exposure[] = [];
  const pods = [...model.pods].sort((a, b) => (podId(a) < podId(b) ? -1 : podId(a) > podId(b) ? 1 : 0));
  for (const pod of pods) {
    if (!selects(pod)) continue;
    const isolating = engine.targetsOf(engine.classOf(pod)).ingress.map((c) => c.policy);
    for (const cp of pod.ports) {
      const protocol = protocolOf(cp);
      out.push({ to: podId(pod), port: cp.containerPort, protocol, ...(cp.name ? { portName: cp.name } : {}), ways: waysInto(isolating, pod, cp.containerPort, protocol) });
    }
  }
  return out;
}
