/**
 * From what the run has applied to what the next step (or the next case) asks for, as a list of API
 * calls. Consecutive cases usually share upstream's model (the same namespaces and pods), so their
 * pods are kept and only labels and policies change: starting nine pods is most of a case's time.
 * Pure.
 */
import type { KubeObject, Labels } from "../netpol/types";
import type { RunNames } from "./runNames";
import { serverPod } from "./serverPod";
import type { DesiredState } from "./state";

/** Objects as created on the cluster, keyed by cluster namespace ("ns") or "ns/name". */
export interface ClusterState {
  namespaces: Map<string, KubeObject>;
  pods: Map<string, KubeObject>;
  policies: Map<string, KubeObject>;
}

export type Action =
  | { kind: "createNamespace"; object: KubeObject }
  | { kind: "labelNamespace"; name: string; labels: Labels }
  | { kind: "deleteNamespace"; name: string }
  | { kind: "createPod"; object: KubeObject }
  | { kind: "labelPod"; namespace: string; name: string; labels: Labels }
  | { kind: "deletePod"; namespace: string; name: string }
  | { kind: "createPolicy"; object: KubeObject }
  | { kind: "replacePolicy"; object: KubeObject }
  | { kind: "deletePolicy"; namespace: string; name: string };

export function emptyClusterState(): ClusterState {
  return { namespaces: new Map(), pods: new Map(), policies: new Map() };
}

const key = (o: KubeObject) => (o.kind === "Namespace" ? o.metadata.name : `${o.metadata.namespace}/${o.metadata.name}`);
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const sortedLabels = (l: Labels | undefined) => Object.fromEntries(Object.entries(l ?? {}).sort(([a], [b]) => (a < b ? -1 : 1)));

/** A case's state as the run creates it: run namespaces, ownership labels, server pods. */
export function clusterState(state: DesiredState, names: RunNames, image: string): ClusterState {
  const caseNamespaces = new Set(state.namespaces.keys());
  const out = emptyClusterState();
  for (const o of state.namespaces.values()) {
    const c = names.toCluster(o.object, caseNamespaces);
    out.namespaces.set(key(c), c);
  }
  for (const o of state.pods.values()) {
    const c = serverPod(names.toCluster(o.object, caseNamespaces), image);
    out.pods.set(key(c), c);
  }
  for (const o of state.policies.values()) {
    const c = names.toCluster(o.object, caseNamespaces);
    out.policies.set(key(c), c);
  }
  return out;
}

/**
 * The calls that turn `current` into `desired`, in an order the API server accepts: namespaces
 * before what lives in them, a changed pod deleted before it is created again, namespaces that are
 * no longer needed last (their pods and policies go with them).
 */
export function reconcile(current: ClusterState, desired: ClusterState): Action[] {
  const actions: Action[] = [];
  const doomed = new Set([...current.namespaces.keys()].filter((n) => !desired.namespaces.has(n)));
  const inDoomed = (k: string) => doomed.has(k.split("/")[0]);
  for (const [name, ns] of desired.namespaces) {
    const now = current.namespaces.get(name);
    if (!now) actions.push({ kind: "createNamespace", object: ns });
    else if (!same(sortedLabels(now.metadata.labels), sortedLabels(ns.metadata.labels))) actions.push({ kind: "labelNamespace", name, labels: ns.metadata.labels ?? {} });
  }
  const recreate: KubeObject[] = [];
  for (const [k, pod] of current.pods) {
    if (inDoomed(k)) continue;
    const want = desired.pods.get(k);
    if (!want || !same(want.spec, pod.spec)) actions.push({ kind: "deletePod", namespace: pod.metadata.namespace!, name: pod.metadata.name });
    if (want && !same(want.spec, pod.spec)) recreate.push(want);
  }
  for (const [k, pod] of desired.pods) {
    const now = current.pods.get(k);
    if (!now) actions.push({ kind: "createPod", object: pod });
    else if (same(now.spec, pod.spec) && !same(sortedLabels(now.metadata.labels), sortedLabels(pod.metadata.labels))) {
      actions.push({ kind: "labelPod", namespace: pod.metadata.namespace!, name: pod.metadata.name, labels: pod.metadata.labels ?? {} });
    }
  }
  for (const pod of recreate) actions.push({ kind: "createPod", object: pod });
  for (const [k, policy] of current.policies) {
    if (!inDoomed(k) && !desired.policies.has(k)) actions.push({ kind: "deletePolicy", namespace: policy.metadata.namespace!, name: policy.metadata.name });
  }
  for (const [k, policy] of desired.policies) {
    const now = current.policies.get(k);
    if (!now) actions.push({ kind: "createPolicy", object: policy });
    else if (!same(now.spec, policy.spec) || !same(sortedLabels(now.metadata.labels), sortedLabels(policy.metadata.labels))) actions.push({ kind: "replacePolicy", object: policy });
  }
  for (const name of doomed) actions.push({ kind: "deleteNamespace", name });
  return actions;
}
