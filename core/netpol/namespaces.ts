import { DEFAULT_NAMESPACE, NAMESPACE_NAME_LABEL, policyNamespace } from "./policy";
import type { ClusterModel, NamespaceInfo } from "./types";

/** A namespace as the API server stores it: the name label is always present and equals the name. */
export function withNameLabel(ns: NamespaceInfo): NamespaceInfo {
  if (ns.labels && ns.labels[NAMESPACE_NAME_LABEL] === ns.name) return ns;
  return { name: ns.name, labels: { ...(ns.labels ?? {}), [NAMESPACE_NAME_LABEL]: ns.name } };
}

/** The implicit namespace of a pod or policy whose namespace was never declared. */
export function implicitNamespace(name: string): NamespaceInfo {
  return { name, labels: { [NAMESPACE_NAME_LABEL]: name } };
}

/** The namespace a pod lives in (objects without one are in `default`). */
export function podNamespace(pod: { namespace?: string }): string {
  return pod.namespace || DEFAULT_NAMESPACE;
}

/**
 * Every namespace the model refers to, keyed by name: declared ones (with the
 * name label enforced) plus implicit ones for pods and policies elsewhere.
 */
export function namespaceIndex(model: ClusterModel): Map<string, NamespaceInfo> {
  const index = new Map<string, NamespaceInfo>();
  for (const ns of model.namespaces ?? []) index.set(ns.name, withNameLabel(ns));
  const ensure = (name: string): void => {
    if (!index.has(name)) index.set(name, implicitNamespace(name));
  };
  for (const pod of model.pods ?? []) ensure(podNamespace(pod));
  for (const pol of model.policies ?? []) ensure(policyNamespace(pol));
  return index;
}
