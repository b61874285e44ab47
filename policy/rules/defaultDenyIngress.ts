/**
 * Stack policy: every namespace that runs workloads closes ingress by default, so a pod added later
 * is unreachable until a policy opens it, instead of reachable by everyone.
 */
import { describeResource, isKubeKind, isWorkloadType, namespaceOf, path, type Props } from "./kube";
import { stackRule, type StackFinding, type StackResource } from "./rule";

function isEmptySelector(selector: unknown): boolean {
  if (selector === undefined || selector === null) return true;
  if (typeof selector !== "object") return false;
  const labels = path(selector, "matchLabels");
  const expressions = path(selector, "matchExpressions");
  const noLabels = labels === undefined || labels === null || (typeof labels === "object" && Object.keys(labels).length === 0);
  const noExpressions = expressions === undefined || expressions === null || (Array.isArray(expressions) && expressions.length === 0);
  return noLabels && noExpressions;
}

/** True for a NetworkPolicy that selects every pod, governs ingress and admits nothing. */
export function isDefaultDenyIngress(props: Props): boolean {
  const policyTypes = path(props, "spec", "policyTypes");
  // Without policyTypes, Kubernetes treats every policy as an Ingress policy.
  const governsIngress = policyTypes === undefined || policyTypes === null || (Array.isArray(policyTypes) && policyTypes.includes("Ingress"));
  const ingress = path(props, "spec", "ingress");
  const admitsNothing = ingress === undefined || ingress === null || (Array.isArray(ingress) && ingress.length === 0);
  return isEmptySelector(path(props, "spec", "podSelector")) && governsIngress && admitsNothing;
}

/** One finding per namespace that runs workloads without a default-deny ingress policy. */
export function checkDefaultDenyIngress(resources: StackResource[]): StackFinding[] {
  const workloadsByNamespace = new Map<string, StackResource[]>();
  const denied = new Set<string>();
  for (const r of resources) {
    if (isWorkloadType(r.type)) {
      const ns = namespaceOf(r.props);
      workloadsByNamespace.set(ns, [...(workloadsByNamespace.get(ns) ?? []), r]);
    } else if (isKubeKind(r.type, "networking.k8s.io", "NetworkPolicy") && isDefaultDenyIngress(r.props)) {
      denied.add(namespaceOf(r.props));
    }
  }
  const findings: StackFinding[] = [];
  for (const [ns, workloads] of workloadsByNamespace) {
    if (denied.has(ns)) continue;
    const names = workloads.map((w) => describeResource(w.type, w.props, w.name)).join(", ");
    findings.push({
      urn: workloads[0].urn,
      message:
        `Namespace ${ns} runs ${names} but has no default-deny ingress NetworkPolicy, so every pod in the cluster can reach them. ` +
        `Add a NetworkPolicy in ${ns} with spec {podSelector: {}, policyTypes: [Ingress]} and no ingress rules ` +
        `(e.g. name default-deny-ingress), then open only what callers need with further policies.`,
    });
  }
  return findings;
}

export const defaultDenyIngress = stackRule({
  name: "namespace-default-deny-ingress",
  description: "Every namespace that runs workloads has a default-deny ingress NetworkPolicy.",
  enforcementLevel: "mandatory",
  remediationSteps: "Add a NetworkPolicy with podSelector {}, policyTypes [Ingress] and no ingress rules to the namespace.",
  check: checkDefaultDenyIngress,
});
