/** Who may call prices-api, as plain Kubernetes objects: caller namespaces and the NetworkPolicies. */
import type { AllowedCaller } from "../config";
import type { KubeObject, NetworkPolicyPeer } from "../netpol/types";
import {
  DEFAULT_DENY_POLICY,
  NAMESPACE_NAME_LABEL,
  PRICES_API_CONTAINER_PORT,
  PRICES_API_LABELS,
  PRICES_API_POLICY,
  PRICING_NAMESPACE,
} from "./names";

export interface AccessPolicyObjects {
  callerNamespaces: KubeObject[];
  defaultDeny: KubeObject;
  pricesApiPolicy: KubeObject;
}

/**
 * One peer per caller, with namespaceSelector and podSelector in the SAME peer: Kubernetes ANDs
 * selectors inside a peer and ORs peers, and the tutorial's two-peer YAML admits far too much.
 * The namespace name label is required too, because anyone who may label a namespace can copy
 * `project=critical-project`, but only the API server sets `kubernetes.io/metadata.name`.
 */
export function callerPeer(caller: AllowedCaller): NetworkPolicyPeer {
  return {
    namespaceSelector: { matchLabels: { ...caller.namespaceLabels, [NAMESPACE_NAME_LABEL]: caller.namespace } },
    podSelector: { matchLabels: { ...caller.podLabels } },
  };
}

export function accessPolicyObjects(callers: AllowedCaller[]): AccessPolicyObjects {
  const namespaceLabels = new Map<string, Record<string, string>>();
  for (const c of callers) namespaceLabels.set(c.namespace, { ...namespaceLabels.get(c.namespace), ...c.namespaceLabels });
  const callerNamespaces: KubeObject[] = [...namespaceLabels].map(([name, labels]) => ({
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name, labels },
  }));
  // Closes pricing-ns to every pod added later until a policy opens it explicitly.
  const defaultDeny: KubeObject = {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: DEFAULT_DENY_POLICY, namespace: PRICING_NAMESPACE },
    spec: { podSelector: {}, policyTypes: ["Ingress"] },
  };
  const pricesApiPolicy: KubeObject = {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: PRICES_API_POLICY, namespace: PRICING_NAMESPACE },
    spec: {
      podSelector: { matchLabels: { ...PRICES_API_LABELS } },
      policyTypes: ["Ingress"],
      ingress: [
        {
          from: callers.map(callerPeer),
          ports: [{ protocol: "TCP", port: PRICES_API_CONTAINER_PORT }],
        },
      ],
    },
  };
  return { callerNamespaces, defaultDeny, pricesApiPolicy };
}
