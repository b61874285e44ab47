/**
 * The real KubeClient, on @kubernetes/client-node (already a pinned dependency): typed objects,
 * HTTP status codes instead of parsing kubectl's text, and no binary that must be on PATH.
 * Every call is bounded by a timeout so an unreachable API server fails in seconds, not minutes.
 */
import { AppsV1Api, CoreV1Api, DiscoveryV1Api, type KubeConfig, type V1Namespace, type V1Pod } from "@kubernetes/client-node";
import type { ApiStatus, KubeClient, NamespaceState, PodState } from "../../core/verify/client";
import type { KubeObject } from "../../core/netpol/types";

/** The HTTP status of a failed API call, when the server answered at all. */
export function httpStatus(err: unknown): number | undefined {
  const code = (err as { code?: unknown })?.code;
  return typeof code === "number" ? code : undefined;
}

/** The first errno-style code (ECONNREFUSED, ENOTFOUND, ...) in an error or its causes. */
export function networkCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") return code;
    const errno = (e as { errno?: unknown }).errno;
    if (typeof errno === "string") return errno;
  }
  return undefined;
}

/** Raised when a call outlives its timeout; the message names the server. */
export class KubeTimeoutError extends Error {
  readonly code = "ETIMEDOUT";
  constructor(what: string, ms: number) {
    super(`${what} did not answer within ${ms / 1000}s`);
    this.name = "KubeTimeoutError";
  }
}

/** Whether the failed call's body is a Kubernetes Status object (JSON), as every API server answers. */
export function isKubernetesAnswer(err: unknown): boolean {
  const body = (err as { body?: unknown })?.body;
  if (typeof body === "object" && body !== null) return (body as { kind?: unknown }).kind === "Status";
  if (typeof body !== "string") return false;
  try {
    return (JSON.parse(body) as { kind?: unknown })?.kind === "Status";
  } catch {
    return false;
  }
}

// A 404 from something that is not an API server (an HTML page) is not "this object does not exist".
const isNotFound = (err: unknown) => httpStatus(err) === 404 && isKubernetesAnswer(err);

/** The API server's error text: its Status message when there is one, else the error's own. */
export function apiErrorText(err: unknown): string {
  const body = (err as { body?: unknown })?.body;
  if (typeof body === "string") {
    try {
      const status = JSON.parse(body) as { message?: string };
      if (status.message) return status.message;
    } catch {
      // not JSON: fall through to the error's message
    }
  }
  const status = httpStatus(err);
  const text = err instanceof Error ? err.message.split("\n")[0] : String(err);
  return status !== undefined ? `HTTP ${status}: ${text}` : text;
}

export class ClientNodeKubeClient implements KubeClient {
  private readonly core: CoreV1Api;
  private readonly apps: AppsV1Api;
  private readonly discovery: DiscoveryV1Api;
  private readonly server: string;

  constructor(kubeConfig: KubeConfig, private readonly timeoutMs: number) {
    this.core = kubeConfig.makeApiClient(CoreV1Api);
    this.apps = kubeConfig.makeApiClient(AppsV1Api);
    this.discovery = kubeConfig.makeApiClient(DiscoveryV1Api);
    this.server = kubeConfig.getCurrentCluster()?.server ?? "the API server";
  }

  private async call<T>(what: string, request: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new KubeTimeoutError(`${this.server} (${what})`, this.timeoutMs)), this.timeoutMs);
    });
    try {
      return await Promise.race([request(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async apiStatus(namespace: string, deployment: string, service: string): Promise<ApiStatus> {
    let dep: ApiStatus["deployment"];
    try {
      const d = await this.call("read deployment", () => this.apps.readNamespacedDeployment({ namespace, name: deployment }));
      dep = { desiredReplicas: d.spec?.replicas ?? 1, availableReplicas: d.status?.availableReplicas ?? 0 };
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    let serviceExists = true;
    try {
      await this.call("read service", () => this.core.readNamespacedService({ namespace, name: service }));
    } catch (err) {
      if (!isNotFound(err)) throw err;
      serviceExists = false;
    }
    const slices = await this.call("list endpointslices", () =>
      this.discovery.listNamespacedEndpointSlice({ namespace, labelSelector: `kubernetes.io/service-name=${service}` }),
    );
    // An endpoint without conditions.ready counts as ready (the API's documented default).
    const readyEndpoints = slices.items.flatMap((s) => s.endpoints ?? []).filter((e) => e.conditions?.ready !== false).length;
    return { deployment: dep, serviceExists, readyEndpoints };
  }

  async namespaceState(name: string): Promise<NamespaceState> {
    try {
      const ns = await this.call("read namespace", () => this.core.readNamespace({ name }));
      return { state: ns.status?.phase === "Terminating" ? "terminating" : "active", labels: ns.metadata?.labels ?? {} };
    } catch (err) {
      if (isNotFound(err)) return { state: "absent", labels: {} };
      throw err;
    }
  }

  async createNamespace(namespace: KubeObject): Promise<void> {
    await this.call("create namespace", () => this.core.createNamespace({ body: namespace as unknown as V1Namespace }));
  }

  async createPod(pod: KubeObject): Promise<void> {
    const namespace = pod.metadata.namespace ?? "default";
    try {
      await this.call("create pod", () => this.core.createNamespacedPod({ namespace, body: pod as unknown as V1Pod }));
    } catch (err) {
      throw new Error(apiErrorText(err), { cause: err });
    }
  }

  async podState(namespace: string, name: string): Promise<PodState> {
    let pod: V1Pod;
    try {
      pod = await this.call("read pod", () => this.core.readNamespacedPod({ namespace, name }));
    } catch (err) {
      if (isNotFound(err)) return { phase: "Gone" };
      throw err;
    }
    const phase = (pod.status?.phase ?? "Unknown") as PodState["phase"];
    const container = pod.status?.containerStatuses?.[0]?.state;
    const waiting = container?.waiting;
    const terminated = container?.terminated;
    const unschedulable = pod.status?.conditions?.find((c) => c.type === "PodScheduled" && c.status === "False");
    const reason = waiting?.reason
      ? `${waiting.reason}${waiting.message ? `: ${waiting.message}` : ""}`
      : terminated?.reason && terminated.reason !== "Completed"
        ? terminated.reason
        : unschedulable
          ? `${unschedulable.reason ?? "Unschedulable"}: ${unschedulable.message ?? ""}`.trim()
          : pod.status?.reason;
    const labels = pod.metadata?.labels ?? {};
    return reason ? { phase, reason, labels } : { phase, labels };
  }

  async readPodLogs(namespace: string, name: string): Promise<string> {
    return this.call("read pod log", () => this.core.readNamespacedPodLog({ namespace, name }));
  }

  async deletePod(namespace: string, name: string): Promise<void> {
    try {
      await this.call("delete pod", () => this.core.deleteNamespacedPod({ namespace, name, gracePeriodSeconds: 0 }));
    } catch (err) {
      if (!isNotFound(err)) throw new Error(apiErrorText(err), { cause: err });
    }
  }

  async deleteNamespace(name: string): Promise<void> {
    try {
      await this.call("delete namespace", () => this.core.deleteNamespace({ name }));
    } catch (err) {
      if (!isNotFound(err)) throw new Error(apiErrorText(err), { cause: err });
    }
  }
}
