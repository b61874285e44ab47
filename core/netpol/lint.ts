import type { PodClass } from "./classes";
import type { CompiledPolicy } from "./compiled";
import { ConnectivityEngine } from "./engine";
import { podNamespace } from "./namespaces";
import { effectivePolicyTypes, peersOf, policyNamespace } from "./policy";
import { protocolOf } from "./ports";
import { describeSelector, isEmptySelector, matchesSelector } from "./selectors";
import type { ClusterModel, LabelSelector, NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort, PodInfo } from "./types";

export type LintCode = "or-trap" | "selects-no-pod" | "unresolved-named-port" | "egress-without-policy-types" | "no-default-deny" | "ipblock-without-pod-ip";

/** A likely mistake; the policy is valid Kubernetes but probably not what was meant. */
export interface LintWarning {
  code: LintCode;
  message: string;
  namespace?: string;
  policy?: string;
  /** Path inside the policy, e.g. "spec.ingress[0].from". */
  field?: string;
}

const nsOnly = (p: NetworkPolicyPeer): boolean => !!p.namespaceSelector && !p.podSelector && !p.ipBlock;
const podOnly = (p: NetworkPolicyPeer): boolean => !!p.podSelector && !p.namespaceSelector && !p.ipBlock;

function selectorYaml(kind: string, sel: LabelSelector): string {
  return `${kind}: ${JSON.stringify(sel)}`;
}

function orTraps(policy: NetworkPolicy): LintWarning[] {
  const out: LintWarning[] = [];
  const namespace = policyNamespace(policy);
  const check = (peers: NetworkPolicyPeer[] | undefined, field: string, dir: "from" | "to"): void => {
    if (!peers) return;
    const nsPeer = peers.find(nsOnly);
    const podPeer = peers.find(podOnly);
    if (!nsPeer || !podPeer) return;
    const nsSel = nsPeer.namespaceSelector as LabelSelector;
    const podSel = podPeer.podSelector as LabelSelector;
    out.push({
      code: "or-trap",
      namespace,
      policy: policy.metadata.name,
      field,
      message:
        `${field} lists a namespaceSelector-only peer and a podSelector-only peer; Kubernetes ORs separate peers, ` +
        `so this admits EVERY pod in namespaces matching ${describeSelector(nsSel)} OR pods matching ` +
        `${describeSelector(podSel)} in ${namespace}. To admit only those pods within those namespaces, ` +
        `put both selectors in ONE peer: ${dir}: [{ ${selectorYaml("namespaceSelector", nsSel)}, ${selectorYaml("podSelector", podSel)} }]`,
    });
  };
  (policy.spec?.ingress ?? []).forEach((r, i) => check(r?.from, `spec.ingress[${i}].from`, "from"));
  (policy.spec?.egress ?? []).forEach((r, i) => check(r?.to, `spec.egress[${i}].to`, "to"));
  return out;
}

function egressWithoutTypes(policy: NetworkPolicy): LintWarning[] {
  const types = policy.spec?.policyTypes;
  if ((types && types.length > 0) || (policy.spec?.egress ?? []).length === 0) return [];
  return [
    {
      code: "egress-without-policy-types",
      namespace: policyNamespace(policy),
      policy: policy.metadata.name,
      field: "spec.policyTypes",
      message:
        "spec.egress has rules but spec.policyTypes is omitted: the API server defaults it to [Ingress, Egress], " +
        "so this policy also isolates the selected pods' ingress and egress; list policyTypes explicitly to make that intent visible",
    },
  ];
}

/** Checks that need only the policy itself (used by the Pulumi policy pack too). */
export function lintPolicy(policy: NetworkPolicy): LintWarning[] {
  return [...orTraps(policy), ...egressWithoutTypes(policy)];
}

/** What the named-port check looks up, built once per model. */
interface PortIndex {
  compiledOf: Map<NetworkPolicy, CompiledPolicy>;
  podsByNs: Map<string, PodInfo[]>;
  /** Classes with pods, by the port name and protocol they declare ("TCP/http"). */
  classesDeclaring: Map<string, PodClass[]>;
}

function namedPortWarnings(policy: NetworkPolicy, index: PortIndex): LintWarning[] {
  const out: LintWarning[] = [];
  const namespace = policyNamespace(policy);
  const compiled = index.compiledOf.get(policy);
  if (!compiled) return out;
  const check = (rule: { ports?: NetworkPolicyPort[] } | undefined, field: string, who: string, declaredBy: (name: string, protocol: string) => boolean): void => {
    (rule?.ports ?? []).forEach((port, j) => {
      if (typeof port.port !== "string") return;
      const protocol = protocolOf(port);
      if (declaredBy(port.port, protocol)) return;
      out.push({
        code: "unresolved-named-port",
        namespace,
        policy: policy.metadata.name,
        field: `${field}.ports[${j}].port`,
        message: `named port "${port.port}" (${protocol}) is declared by no ${who}, so this port entry admits nothing`,
      });
    });
  };
  if (compiled.ingress) {
    const targets = (index.podsByNs.get(namespace) ?? []).filter((p) => matchesSelector(compiled.podSelector, p.labels ?? {}));
    const declaredBy = (name: string, protocol: string) => targets.some((p) => (p.ports ?? []).some((cp) => cp.name === name && protocolOf(cp) === protocol));
    (policy.spec.ingress ?? []).forEach((rule, i) => check(rule, `spec.ingress[${i}]`, "pod this policy selects", declaredBy));
  }
  if (compiled.egress) {
    compiled.egressRules.forEach((rule) => {
      // Few classes declare a given port name: test only those against the rule's peers.
      const declaredBy = (name: string, protocol: string) =>
        (index.classesDeclaring.get(`${protocol}/${name}`) ?? []).some((cls) => rule.peers === null || rule.peers.some((peer) => peer.matches(cls)));
      check((policy.spec.egress ?? [])[rule.index], `spec.egress[${rule.index}]`, "pod this rule's peers match", declaredBy);
    });
  }
  return out;
}

/** Every check: the per-policy ones plus those that need the cluster's pods (pass the model's engine when there is one). */
export function lintModel(model: ClusterModel, engine = new ConnectivityEngine(model)): LintWarning[] {
  const podsByNs = new Map<string, PodInfo[]>();
  for (const p of model.pods ?? []) {
    const ns = podNamespace(p);
    const list = podsByNs.get(ns);
    if (list) list.push(p);
    else podsByNs.set(ns, [p]);
  }
  const classesDeclaring = new Map<string, PodClass[]>();
  for (const cls of engine.classifier.classes) {
    if (cls.pods.length === 0) continue; // a probe's class, not a pod of the model
    for (const key of new Set(cls.ports.filter((cp) => cp.name).map((cp) => `${protocolOf(cp)}/${cp.name}`))) {
      const list = classesDeclaring.get(key);
      if (list) list.push(cls);
      else classesDeclaring.set(key, [cls]);
    }
  }
  const portIndex: PortIndex = { compiledOf: new Map(engine.policies.map((c) => [c.policy, c])), podsByNs, classesDeclaring };
  const out: LintWarning[] = [];
  const withoutIP = (model.pods ?? []).filter((p) => !p.ip);
  for (const policy of model.policies ?? []) {
    out.push(...lintPolicy(policy));
    const namespace = policyNamespace(policy);
    const selector = policy.spec?.podSelector ?? {};
    if (!(podsByNs.get(namespace) ?? []).some((p) => matchesSelector(selector, p.labels ?? {}))) {
      out.push({
        code: "selects-no-pod",
        namespace,
        policy: policy.metadata.name,
        field: "spec.podSelector",
        message: `spec.podSelector ${describeSelector(selector)} matches no pod in namespace ${namespace}, so this policy has no effect`,
      });
    }
    out.push(...namedPortWarnings(policy, portIndex));
    // ipBlock peers match status.podIP: pods read from manifests (workloads) have none, so for
    // them such a peer never matches, which decides their verdicts without saying so.
    const ipPeers = peersOf(policy).filter((p) => p.ipBlock);
    if (ipPeers.length > 0 && withoutIP.length > 0) {
      out.push({
        code: "ipblock-without-pod-ip",
        namespace,
        policy: policy.metadata.name,
        message:
          `ipBlock peers (${ipPeers.map((p) => p.ipBlock!.cidr).join(", ")}) match pod IPs, and ${withoutIP.length} pod${withoutIP.length === 1 ? " has" : "s have"} none ` +
          "(workloads from manifests have no IP), so for them these peers never match: their verdicts here treat them as outside every ipBlock",
      });
    }
  }
  for (const [namespace] of [...podsByNs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const hasDefaultDeny = (model.policies ?? []).some(
      (p) =>
        policyNamespace(p) === namespace &&
        isEmptySelector(p.spec?.podSelector ?? {}) &&
        effectivePolicyTypes(p).ingress &&
        (p.spec?.ingress ?? []).length === 0,
    );
    if (!hasDefaultDeny) {
      out.push({
        code: "no-default-deny",
        namespace,
        message:
          `namespace ${namespace} runs pods but has no default-deny ingress policy (podSelector: {}, policyTypes: [Ingress], no ingress rules), ` +
          "so any pod no policy selects accepts traffic from everywhere",
      });
    }
  }
  return out;
}
