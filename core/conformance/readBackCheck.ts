/**
 * Does the cluster hold what the run applied? The engine judges the objects as read back, so a
 * prediction is always consistent with the cluster; but a case only tests what it says when the
 * cluster holds its objects as written. A client that drops a field on the way (client-node's typed
 * serializer drops a NetworkPolicy's `from`), an admission webhook that rewrites policies, or a
 * stranger's policy in the run's namespaces would otherwise pass unnoticed. Compares by meaning:
 * the API server's defaults (protocol TCP, policyTypes) are no difference. Pure.
 */
import { ErrorContext } from "../netpol/errors";
import { effectivePolicyTypes } from "../netpol/policy";
import { validateContainerPorts, validateNetworkPolicy } from "../netpol/validate";
import type { KubeObject, LabelSelector, Labels, NetworkPolicyPeer, NetworkPolicyPort } from "../netpol/types";
import type { ReadBack } from "./prediction";
import type { ClusterState } from "./reconcile";

const NAME_LABEL = "kubernetes.io/metadata.name";

function selector(s: LabelSelector | undefined) {
  if (!s) return null;
  return {
    matchLabels: Object.entries(s.matchLabels ?? {}).sort(([a], [b]) => (a < b ? -1 : 1)),
    matchExpressions: (s.matchExpressions ?? []).map((e) => ({ key: e.key, operator: e.operator, values: e.values ?? [] })),
  };
}

const peer = (p: NetworkPolicyPeer) => ({ podSelector: selector(p.podSelector), namespaceSelector: selector(p.namespaceSelector), ipBlock: p.ipBlock ?? null });
const port = (p: NetworkPolicyPort) => ({ protocol: p.protocol ?? "TCP", port: p.port ?? null, endPort: p.endPort ?? null });

/** A policy's meaning as a string: equal strings, equal verdicts. */
export function policyMeaning(raw: KubeObject): string {
  const p = validateNetworkPolicy(new ErrorContext(`NetworkPolicy ${raw.metadata.namespace}/${raw.metadata.name}`, undefined), raw as unknown as Record<string, unknown>);
  const types = effectivePolicyTypes(p);
  const rules = (rs: Array<{ from?: NetworkPolicyPeer[]; to?: NetworkPolicyPeer[]; ports?: NetworkPolicyPort[] }> | undefined) =>
    (rs ?? []).map((r) => ({ peers: (r.from ?? r.to ?? []).map(peer), ports: (r.ports ?? []).map(port) }));
  return JSON.stringify({
    podSelector: selector(p.spec.podSelector),
    ingress: types.ingress ? rules(p.spec.ingress) : null,
    egress: types.egress ? rules(p.spec.egress) : null,
  });
}

const sorted = (l: Labels | undefined) => JSON.stringify(Object.entries(l ?? {}).sort(([a], [b]) => (a < b ? -1 : 1)));
const id = (o: KubeObject) => `${o.metadata.namespace}/${o.metadata.name}`;
const ports = (pod: KubeObject) => JSON.stringify(validateContainerPorts(new ErrorContext(`pod ${id(pod)}`, undefined), pod.spec, "spec"));

/** Every way the read-back objects differ from the applied ones; empty when they agree. */
export function readBackProblems(applied: ClusterState, back: ReadBack): string[] {
  const problems: string[] = [];
  const namespaces = new Map(back.namespaces.map((n) => [n.metadata.name, n]));
  for (const [name, want] of applied.namespaces) {
    const got = namespaces.get(name);
    const expected = { ...want.metadata.labels, [NAME_LABEL]: name };
    if (!got) problems.push(`namespace ${name} is missing`);
    else if (sorted(got.metadata.labels) !== sorted(expected)) problems.push(`namespace ${name} has labels ${sorted(got.metadata.labels)}, not ${sorted(expected)}`);
  }
  const pods = new Map(back.pods.map((p) => [id(p), p]));
  for (const [key, want] of applied.pods) {
    const got = pods.get(key);
    if (!got) problems.push(`pod ${key} is missing`);
    else if (sorted(got.metadata.labels) !== sorted(want.metadata.labels)) problems.push(`pod ${key} has labels ${sorted(got.metadata.labels)}, not ${sorted(want.metadata.labels)}`);
    else if (ports(got) !== ports(want)) problems.push(`pod ${key} declares ports ${ports(got)}, not ${ports(want)}`);
  }
  for (const p of back.pods) if (!applied.pods.has(id(p))) problems.push(`pod ${id(p)} is not the case's`);
  const policies = new Map(back.networkPolicies.map((p) => [id(p), p]));
  for (const [key, want] of applied.policies) {
    const got = policies.get(key);
    if (!got) problems.push(`NetworkPolicy ${key} is missing`);
    else if (policyMeaning(got) !== policyMeaning(want)) problems.push(`NetworkPolicy ${key} reads back as ${JSON.stringify(got.spec)}, not as applied: ${JSON.stringify(want.spec)}`);
  }
  for (const p of back.networkPolicies) if (!applied.policies.has(id(p))) problems.push(`NetworkPolicy ${id(p)} is not the case's`);
  return problems;
}
