import type {
  ClusterModel,
  ContainerPort,
  Labels,
  NamespaceInfo,
  NetworkPolicy,
  NetworkPolicySpec,
  PodInfo,
} from "../../core/netpol";

export function pod(namespace: string, name: string, labels: Labels = {}, ports: ContainerPort[] = [], ip?: string): PodInfo {
  return { namespace, name, labels, ports, ...(ip ? { ip } : {}) };
}

export function ns(name: string, labels: Labels = {}): NamespaceInfo {
  return { name, labels };
}

export function np(namespace: string, name: string, spec: NetworkPolicySpec): NetworkPolicy {
  return { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name, namespace }, spec };
}

export function model(namespaces: NamespaceInfo[], pods: PodInfo[], policies: NetworkPolicy[]): ClusterModel {
  return { namespaces, pods, policies };
}
