/**
 * What a conformance run needs from a cluster, as an interface: the real one is
 * cli/conformance/kubeClient.ts (on @kubernetes/client-node), the tests use an in-memory fake.
 * Deletes are idempotent (a missing object is not an error). Types only.
 */
import type { KubeObject, Labels } from "../netpol/types";
import type { NamespaceState } from "../verify/client";
import type { ReadBack } from "./prediction";

export type { Clock, NamespaceState } from "../verify/client";

export interface PodStatus {
  phase: "Pending" | "Running" | "Succeeded" | "Failed" | "Unknown";
  /** Every container is ready (for server pods: every declared port answers). */
  ready: boolean;
  /** Why a container waits or died, e.g. "ErrImageNeverPull: ...". */
  reason?: string;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
}

export interface ConformanceClient {
  namespaceState(name: string): Promise<NamespaceState>;
  createNamespace(namespace: KubeObject): Promise<void>;
  /** Sets the namespace's labels to exactly these (the API server keeps kubernetes.io/metadata.name). */
  labelNamespace(name: string, labels: Labels): Promise<void>;
  deleteNamespace(name: string): Promise<void>;
  createPod(pod: KubeObject): Promise<void>;
  /** Sets the pod's labels to exactly these. */
  labelPod(namespace: string, name: string, labels: Labels): Promise<void>;
  deletePod(namespace: string, name: string): Promise<void>;
  /** Undefined once the pod is gone. */
  podStatus(namespace: string, name: string): Promise<PodStatus | undefined>;
  createPolicy(policy: KubeObject): Promise<void>;
  /** Replaces the spec and labels of an existing policy (an update, as upstream's UpdatePolicy). */
  replacePolicy(policy: KubeObject): Promise<void>;
  deletePolicy(namespace: string, name: string): Promise<void>;
  /** The namespaces, their pods and their NetworkPolicies, as the API server returns them. */
  readBack(namespaces: readonly string[]): Promise<ReadBack>;
  /** Runs a command in a container and returns what it printed; rejects when the exec itself fails. */
  exec(namespace: string, pod: string, container: string, command: string[], timeoutMs: number): Promise<ExecResult>;
}
