/**
 * NetworkPolicies are checked by the engine's own lint (core/netpol lintPolicy), so the policy pack
 * and `npm run connectivity` can never disagree on what is a mistake. The OR trap admits far more
 * than meant and is refused; the other per-policy warnings only make intent unclear and are advisory.
 */
import { lintPolicy, type LintCode, type NetworkPolicy } from "../../core/netpol";
import { describeResource, isKubeKind, path, type Props } from "./kube";
import { resourceRule } from "./rule";

/** The props of a NetworkPolicy resource as the engine's NetworkPolicy (the name falls back to the Pulumi name). */
export function asNetworkPolicy(props: Props, resourceName: string): NetworkPolicy {
  const metadata = (path(props, "metadata") ?? {}) as NetworkPolicy["metadata"];
  const spec = (path(props, "spec") ?? { podSelector: {} }) as NetworkPolicy["spec"];
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { ...metadata, name: typeof metadata.name === "string" && metadata.name !== "" ? metadata.name : resourceName },
    spec,
  };
}

/** One message per engine lint warning whose code `select` accepts, prefixed with the policy and field. */
function lintMessages(type: string, props: Props, resourceName: string, select: (code: LintCode) => boolean): string[] {
  const where = describeResource(type, props, resourceName);
  return lintPolicy(asNetworkPolicy(props, resourceName))
    .filter((w) => select(w.code))
    .map((w) => `${where} [${w.code}${w.field ? ` at ${w.field}` : ""}]: ${w.message}`);
}

const isNetworkPolicy = (type: string): boolean => isKubeKind(type, "networking.k8s.io", "NetworkPolicy");

/** Violations: the OR trap, a namespaceSelector-only peer next to a podSelector-only peer. */
export function checkOrTrap(type: string, props: Props, resourceName: string): string[] {
  return lintMessages(type, props, resourceName, (code) => code === "or-trap");
}

/** Advisories: every other warning lintPolicy gives (e.g. egress rules with policyTypes omitted). */
export function checkNetworkPolicyAdvice(type: string, props: Props, resourceName: string): string[] {
  return lintMessages(type, props, resourceName, (code) => code !== "or-trap");
}

export const networkPolicyOrTrap = resourceRule({
  name: "networkpolicy-no-or-trap",
  description: "No NetworkPolicy rule lists a namespaceSelector-only peer next to a podSelector-only peer (Kubernetes ORs them).",
  enforcementLevel: "mandatory",
  remediationSteps: "Put namespaceSelector and podSelector in the SAME peer (one list item) to AND them.",
  appliesTo: isNetworkPolicy,
  check: checkOrTrap,
});

export const networkPolicyAdvice = resourceRule({
  name: "networkpolicy-lint",
  description: "NetworkPolicies pass the engine's other per-policy lint checks (e.g. explicit policyTypes next to egress rules).",
  enforcementLevel: "advisory",
  remediationSteps: "Follow the message: e.g. list policyTypes explicitly when the policy has egress rules.",
  appliesTo: isNetworkPolicy,
  check: checkNetworkPolicyAdvice,
});
