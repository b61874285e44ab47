/** Small builders for the resources the policy tests validate. Each starts compliant; tests break one thing. */
import type { TestResource } from "./harness";

export const MANAGED_CLUSTER = "azure-native:containerservice:ManagedCluster";

export function cluster(networkProfile: Record<string, unknown> | undefined): TestResource {
  return { type: MANAGED_CLUSTER, name: "cluster", props: { resourceGroupName: "demo-rg", dnsPrefix: "demo", ...(networkProfile ? { networkProfile } : {}) } };
}

/** A container that passes every rule, with `overrides` merged on top. */
export function container(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: "app",
    image: "example.com/app:1.2.3",
    resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
    securityContext: { allowPrivilegeEscalation: false },
    ...overrides,
  };
}

export function podSpec(containers: Record<string, unknown>[], initContainers?: Record<string, unknown>[]): Record<string, unknown> {
  return { containers, ...(initContainers ? { initContainers } : {}) };
}

/** A workload of `kind` in `namespace` whose pod spec is `spec`, shaped as the kind nests it. */
export function workload(kind: string, spec: Record<string, unknown>, namespace = "apps"): TestResource {
  const group: Record<string, string> = {
    Pod: "core/v1",
    Deployment: "apps/v1",
    StatefulSet: "apps/v1",
    DaemonSet: "apps/v1",
    ReplicaSet: "apps/v1",
    Job: "batch/v1",
    CronJob: "batch/v1",
  };
  const template = { metadata: { labels: { app: "x" } }, spec };
  const body =
    kind === "Pod"
      ? spec
      : kind === "CronJob"
        ? { schedule: "0 * * * *", jobTemplate: { spec: { template } } }
        : { selector: { matchLabels: { app: "x" } }, template };
  return { type: `kubernetes:${group[kind]}:${kind}`, name: "wl", props: { metadata: { name: `my-${kind.toLowerCase()}`, namespace }, spec: body } };
}

export function service(type: string, annotations?: Record<string, string>): TestResource {
  return {
    type: "kubernetes:core/v1:Service",
    name: "svc",
    props: { metadata: { name: "web", namespace: "apps", ...(annotations ? { annotations } : {}) }, spec: { type, ports: [{ port: 80 }] } },
  };
}

export function networkPolicy(namespace: string, spec: Record<string, unknown>, name = "np"): TestResource {
  return { type: "kubernetes:networking.k8s.io/v1:NetworkPolicy", name, props: { metadata: { name, namespace }, spec } };
}
