import type { NetworkPolicy, NetworkPolicyPeer, PolicyType } from "./types";

/** Namespace of an object as the API server would place it. */
export const DEFAULT_NAMESPACE = "default";

/** Label the API server puts on every namespace (immutable, equals the name). */
export const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

export function policyNamespace(policy: NetworkPolicy): string {
  return policy.metadata.namespace || DEFAULT_NAMESPACE;
}

/** "namespace/name", the id used in verdicts and warnings. */
export function policyId(policy: NetworkPolicy): string {
  return `${policyNamespace(policy)}/${policy.metadata.name}`;
}

/**
 * policyTypes after API-server defaulting: an empty or absent list becomes
 * Ingress, plus Egress when spec.egress has at least one rule.
 */
export function effectivePolicyTypes(policy: NetworkPolicy): { ingress: boolean; egress: boolean } {
  const declared: PolicyType[] | undefined = policy.spec?.policyTypes;
  if (!declared || declared.length === 0) {
    return { ingress: true, egress: (policy.spec?.egress ?? []).length > 0 };
  }
  return { ingress: declared.includes("Ingress"), egress: declared.includes("Egress") };
}

/** Every peer of every rule, ingress then egress. */
export function peersOf(policy: NetworkPolicy): NetworkPolicyPeer[] {
  return [...(policy.spec?.ingress ?? []).flatMap((r) => r.from ?? []), ...(policy.spec?.egress ?? []).flatMap((r) => r.to ?? [])];
}
