/**
 * What verify needs from a Kubernetes cluster, as an interface: the real implementation lives in
 * cli/verify/kubeClient.ts, the tests use an in-memory fake. Types only.
 */
import type { KubeObject, Labels } from "../netpol/types";

export type PodPhase = "Pending" | "Running" | "Succeeded" | "Failed" | "Unknown";

export interface PodState {
  /** "Gone" when the pod no longer exists (deleted by someone else, or evicted and removed). */
  phase: PodPhase | "Gone";
  /** Why a container is waiting or terminated, e.g. "ImagePullBackOff: Back-off pulling image ...". */
  reason?: string;
  /** The pod's labels, when it exists: cleanup deletes only a pod that carries this run's id. */
  labels?: Labels;
}

export interface NamespaceState {
  state: "absent" | "active" | "terminating";
  labels: Labels;
}

/** The facts that decide whether prices-api can answer at all. */
export interface ApiStatus {
  /** Undefined when the Deployment does not exist. */
  deployment?: { desiredReplicas: number; availableReplicas: number };
  serviceExists: boolean;
  /** Ready addresses behind the Service (EndpointSlices). */
  readyEndpoints: number;
}

/**
 * The cluster operations of one verify run. Deletes are idempotent (a missing object is not an
 * error). Any method may throw; a throw from the first call usually means no cluster is reachable.
 */
export interface KubeClient {
  apiStatus(namespace: string, deployment: string, service: string): Promise<ApiStatus>;
  namespaceState(name: string): Promise<NamespaceState>;
  createNamespace(namespace: KubeObject): Promise<void>;
  createPod(pod: KubeObject): Promise<void>;
  podState(namespace: string, name: string): Promise<PodState>;
  readPodLogs(namespace: string, name: string): Promise<string>;
  deletePod(namespace: string, name: string): Promise<void>;
  deleteNamespace(name: string): Promise<void>;
}

/** Time, injectable so tests run a five-minute deadline in microseconds. */
export interface Clock {
  now(): number;
  /** Resolves after `ms`, or rejects with an AbortError as soon as `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}
