/**
 * The data model of the NetworkPolicy engine. Pure types: no Pulumi, no I/O.
 * Field names follow the Kubernetes API (networking.k8s.io/v1, core/v1) so that
 * manifests map onto them without renaming.
 */

export type Labels = Record<string, string>;

export type Protocol = "TCP" | "UDP" | "SCTP";

export type SelectorOperator = "In" | "NotIn" | "Exists" | "DoesNotExist";

export interface LabelSelectorRequirement {
  key: string;
  operator: SelectorOperator;
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Labels;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface IPBlock {
  cidr: string;
  except?: string[];
}

export interface NetworkPolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: IPBlock;
}

export interface NetworkPolicyPort {
  protocol?: Protocol;
  /** A number, or the name of a container port on the destination pod. */
  port?: number | string;
  endPort?: number;
}

export interface NetworkPolicyIngressRule {
  from?: NetworkPolicyPeer[];
  ports?: NetworkPolicyPort[];
}

export interface NetworkPolicyEgressRule {
  to?: NetworkPolicyPeer[];
  ports?: NetworkPolicyPort[];
}

export type PolicyType = "Ingress" | "Egress";

export interface NetworkPolicySpec {
  podSelector: LabelSelector;
  policyTypes?: PolicyType[];
  ingress?: NetworkPolicyIngressRule[];
  egress?: NetworkPolicyEgressRule[];
}

/** A NetworkPolicy as the API serves it (only the fields that decide traffic). */
export interface NetworkPolicy {
  apiVersion?: string;
  kind?: "NetworkPolicy";
  metadata: { name: string; namespace?: string; labels?: Labels; annotations?: Record<string, string> };
  spec: NetworkPolicySpec;
}

export interface ContainerPort {
  name?: string;
  containerPort: number;
  protocol?: Protocol;
}

/** A namespace of the analysed cluster. `kubernetes.io/metadata.name` is always present. */
export interface NamespaceInfo {
  name: string;
  labels: Labels;
}

/** A pod (or one representative pod of a workload) of the analysed cluster. */
export interface PodInfo {
  namespace: string;
  name: string;
  labels: Labels;
  ports: ContainerPort[];
  /** status.podIP, when known; ipBlock peers match against it. */
  ip?: string;
  /** Where the pod came from (file#document, or "probe"), for messages. */
  source?: string;
}

/** Everything the engine needs to answer "who can reach whom". */
export interface ClusterModel {
  namespaces: NamespaceInfo[];
  pods: PodInfo[];
  policies: NetworkPolicy[];
}

/** A plain Kubernetes object, as read from a manifest or built by core/stack. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Labels; annotations?: Record<string, string> };
  [field: string]: unknown;
}
