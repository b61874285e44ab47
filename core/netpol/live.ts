/**
 * A live cluster as engine input. Pods are grouped under the workload that owns them
 * (Pod → ReplicaSet → Deployment, Pod → Job → CronJob, Pod → StatefulSet/DaemonSet/...), so that a
 * live report names the same endpoints as a report of the manifests or of the stack, where a
 * workload counts as one pod named after it. Pure: the caller lists the objects.
 */
import { isMapping } from "./validate";
import type { KubeObject } from "./types";

/** What the caller lists from the API server, as plain API JSON (any namespace). */
export interface LiveObjects {
  namespaces: KubeObject[];
  pods: KubeObject[];
  /** Needed to find the Deployment that owns a pod's ReplicaSet. */
  replicaSets: KubeObject[];
  /** Needed to find the CronJob that owns a pod's Job. */
  jobs: KubeObject[];
  networkPolicies: KubeObject[];
}

interface OwnerReference {
  kind: string;
  name: string;
  controller?: boolean;
}

function controllerOf(object: KubeObject): OwnerReference | undefined {
  const refs = (object.metadata as { ownerReferences?: unknown }).ownerReferences;
  if (!Array.isArray(refs)) return undefined;
  const ref = refs.find((r): r is OwnerReference => isMapping(r) && r.controller === true && typeof r.kind === "string" && typeof r.name === "string");
  return ref;
}

/** Pods that will never receive traffic again. */
function finished(pod: KubeObject): boolean {
  const phase = isMapping(pod.status) ? pod.status.phase : undefined;
  return phase === "Succeeded" || phase === "Failed";
}

/**
 * The endpoint name of a pod: its top-level owning workload's name, or its own name when it has
 * no controller (a bare pod).
 */
function endpointName(pod: KubeObject, byKind: ReadonlyMap<string, ReadonlyMap<string, KubeObject>>): string {
  const namespace = pod.metadata.namespace ?? "default";
  let name = pod.metadata.name;
  let current: KubeObject | undefined = pod;
  // Two levels at most in the built-in controllers (RS → Deployment, Job → CronJob); a bound keeps
  // a malformed owner cycle from looping.
  for (let depth = 0; current && depth < 4; depth++) {
    const owner = controllerOf(current);
    if (!owner) break;
    name = owner.name;
    current = byKind.get(owner.kind)?.get(`${namespace}/${owner.name}`);
  }
  return name;
}

/**
 * The live objects as engine input: namespaces and policies as they are, and one Pod per endpoint
 * (the first running pod of each workload, with its container ports and status.podIP). Replicas of
 * a workload share labels and ports; only an ipBlock rule could tell their IPs apart, and then the
 * representative pod's IP decides.
 */
export function liveEngineObjects(live: LiveObjects): KubeObject[] {
  const index = (objects: KubeObject[]) => new Map(objects.map((o) => [`${o.metadata.namespace ?? "default"}/${o.metadata.name}`, o]));
  const byKind = new Map([
    ["ReplicaSet", index(live.replicaSets)],
    ["Job", index(live.jobs)],
  ]);
  const endpoints = new Map<string, KubeObject>();
  for (const pod of live.pods) {
    if (finished(pod)) continue;
    const namespace = pod.metadata.namespace ?? "default";
    const name = endpointName(pod, byKind);
    const key = `${namespace}/${name}`;
    if (endpoints.has(key)) continue;
    const spec = isMapping(pod.spec) ? pod.spec : {};
    const containers = Array.isArray(spec.containers) ? spec.containers : [];
    const podIP = isMapping(pod.status) && typeof pod.status.podIP === "string" ? pod.status.podIP : undefined;
    endpoints.set(key, {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name, namespace, labels: { ...(pod.metadata.labels ?? {}) } },
      spec: { containers: containers.filter(isMapping).map((c) => ({ name: c.name, ...(Array.isArray(c.ports) ? { ports: c.ports } : {}) })) },
      ...(podIP ? { status: { podIP } } : {}),
    });
  }
  // Only what decides traffic: server-set metadata (managedFields, uid, ...) is dropped.
  const plain = (o: KubeObject, apiVersion: string, kind: string): KubeObject => ({
    apiVersion,
    kind,
    metadata: { name: o.metadata.name, ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}), labels: { ...(o.metadata.labels ?? {}) } },
    ...(o.spec !== undefined ? { spec: o.spec } : {}),
  });
  return [
    ...live.namespaces.map((o) => plain(o, "v1", "Namespace")),
    ...live.networkPolicies.map((o) => plain(o, "networking.k8s.io/v1", "NetworkPolicy")),
    ...endpoints.values(),
  ];
}
