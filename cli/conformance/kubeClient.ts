/**
 * The real ConformanceClient: plain JSON requests to the API server (with the kubeconfig's
 * credentials, as client-node applies them) for everything the run creates, changes and reads back,
 * so the cluster gets exactly the objects the case wrote; client-node's exec over the API server's
 * websocket for the probes. Every call is bounded by a timeout.
 */
import { Writable } from "node:stream";
import { Exec, type KubeConfig } from "@kubernetes/client-node";
import type { ConformanceClient, ExecResult, NamespaceState, PodStatus } from "../../core/conformance/client";
import type { ReadBack } from "../../core/conformance/prediction";
import type { KubeObject, Labels } from "../../core/netpol/types";
import { listAll, requestJson } from "../connectivity/liveCluster";
import { httpStatus, isKubernetesAnswer, KubeTimeoutError } from "../verify/kubeClient";

const isNotFound = (err: unknown) => httpStatus(err) === 404 && isKubernetesAnswer(err);
const MERGE_PATCH = "application/merge-patch+json";

/** Labels as a merge patch that leaves exactly `labels` (a null removes a key). */
export function labelPatch(current: Labels | undefined, labels: Labels): object {
  const patch: Record<string, string | null> = { ...labels };
  for (const key of Object.keys(current ?? {})) if (!(key in labels) && key !== "kubernetes.io/metadata.name") patch[key] = null;
  return { metadata: { labels: patch } };
}

function collector(): { stream: Writable; text: () => string } {
  let text = "";
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString("utf8");
      done();
    },
  });
  return { stream, text: () => text };
}

interface PodJson {
  metadata?: { labels?: Labels };
  status?: {
    phase?: string;
    conditions?: Array<{ type?: string; status?: string }>;
    containerStatuses?: Array<{ state?: { waiting?: { reason?: string; message?: string }; terminated?: { reason?: string } } }>;
  };
}

export class ClientNodeConformanceClient implements ConformanceClient {
  private readonly execer: Exec;
  private readonly server: string;

  constructor(
    private readonly kubeConfig: KubeConfig,
    private readonly timeoutMs: number,
  ) {
    this.execer = new Exec(kubeConfig);
    this.server = (kubeConfig.getCurrentCluster()?.server ?? "").replace(/\/+$/, "");
  }

  private request(method: string, path: string, body?: unknown, contentType?: string): Promise<unknown> {
    return requestJson(this.kubeConfig, method, new URL(`${this.server}${path}`), this.timeoutMs, body, contentType);
  }

  private async remove(path: string, body?: unknown): Promise<void> {
    try {
      await this.request("DELETE", path, body);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /** Image names every node already has, or undefined when the nodes cannot be listed (RBAC). */
  async nodeImages(): Promise<string[][] | undefined> {
    try {
      const nodes = (await listAll(this.kubeConfig, "/api/v1/nodes", this.timeoutMs)) as Array<{ status?: { images?: Array<{ names?: string[] }> } }>;
      return nodes.map((n) => (n.status?.images ?? []).flatMap((i) => i.names ?? []));
    } catch (err) {
      if (httpStatus(err) === 403) return undefined;
      throw err;
    }
  }

  async namespaceState(name: string): Promise<NamespaceState> {
    try {
      const ns = (await this.request("GET", `/api/v1/namespaces/${name}`)) as { metadata?: { labels?: Labels }; status?: { phase?: string } };
      return { state: ns.status?.phase === "Terminating" ? "terminating" : "active", labels: ns.metadata?.labels ?? {} };
    } catch (err) {
      if (isNotFound(err)) return { state: "absent", labels: {} };
      throw err;
    }
  }

  async createNamespace(namespace: KubeObject): Promise<void> {
    await this.request("POST", "/api/v1/namespaces", namespace);
  }

  async labelNamespace(name: string, labels: Labels): Promise<void> {
    const current = (await this.request("GET", `/api/v1/namespaces/${name}`)) as { metadata?: { labels?: Labels } };
    await this.request("PATCH", `/api/v1/namespaces/${name}`, labelPatch(current.metadata?.labels, labels), MERGE_PATCH);
  }

  async deleteNamespace(name: string): Promise<void> {
    await this.remove(`/api/v1/namespaces/${name}`);
  }

  async createPod(pod: KubeObject): Promise<void> {
    await this.request("POST", `/api/v1/namespaces/${pod.metadata.namespace}/pods`, pod);
  }

  async labelPod(namespace: string, name: string, labels: Labels): Promise<void> {
    const current = (await this.request("GET", `/api/v1/namespaces/${namespace}/pods/${name}`)) as PodJson;
    await this.request("PATCH", `/api/v1/namespaces/${namespace}/pods/${name}`, labelPatch(current.metadata?.labels, labels), MERGE_PATCH);
  }

  async deletePod(namespace: string, name: string): Promise<void> {
    await this.remove(`/api/v1/namespaces/${namespace}/pods/${name}`, { apiVersion: "v1", kind: "DeleteOptions", gracePeriodSeconds: 0 });
  }

  async podStatus(namespace: string, name: string): Promise<PodStatus | undefined> {
    let pod: PodJson;
    try {
      pod = (await this.request("GET", `/api/v1/namespaces/${namespace}/pods/${name}`)) as PodJson;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    const ready = pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
    const state = pod.status?.containerStatuses?.map((s) => s.state).find((s) => s?.waiting?.reason || s?.terminated);
    const reason = state?.waiting?.reason ? `${state.waiting.reason}${state.waiting.message ? `: ${state.waiting.message}` : ""}` : state?.terminated?.reason;
    return { phase: (pod.status?.phase ?? "Unknown") as PodStatus["phase"], ready, ...(reason ? { reason } : {}) };
  }

  private policyPath(namespace: string, name?: string): string {
    return `/apis/networking.k8s.io/v1/namespaces/${namespace}/networkpolicies${name ? `/${name}` : ""}`;
  }

  async createPolicy(policy: KubeObject): Promise<void> {
    await this.request("POST", this.policyPath(policy.metadata.namespace!), policy);
  }

  async replacePolicy(policy: KubeObject): Promise<void> {
    const path = this.policyPath(policy.metadata.namespace!, policy.metadata.name);
    const current = (await this.request("GET", path)) as { metadata?: { resourceVersion?: string } };
    await this.request("PUT", path, { ...policy, metadata: { ...policy.metadata, resourceVersion: current.metadata?.resourceVersion } });
  }

  async deletePolicy(namespace: string, name: string): Promise<void> {
    await this.remove(this.policyPath(namespace, name));
  }

  async readBack(namespaces: readonly string[]): Promise<ReadBack> {
    const out: ReadBack = { namespaces: [], pods: [], networkPolicies: [] };
    for (const ns of namespaces) {
      out.namespaces.push((await this.request("GET", `/api/v1/namespaces/${ns}`)) as KubeObject);
      out.pods.push(...(await listAll(this.kubeConfig, `/api/v1/namespaces/${ns}/pods`, this.timeoutMs)));
      out.networkPolicies.push(...(await listAll(this.kubeConfig, this.policyPath(ns), this.timeoutMs)));
    }
    return out;
  }

  exec(namespace: string, pod: string, container: string, command: string[], timeoutMs: number): Promise<ExecResult> {
    const stdout = collector();
    const stderr = collector();
    return new Promise((resolve, reject) => {
      let status: { status?: string; reason?: string; message?: string } | undefined;
      let socket: { close: () => void } | undefined;
      const timer = setTimeout(() => {
        socket?.close();
        reject(new KubeTimeoutError(`exec in ${namespace}/${pod}`, timeoutMs));
      }, timeoutMs);
      this.execer
        .exec(namespace, pod, container, command, stdout.stream, stderr.stream, null, false, (s) => (status = s))
        .then((ws) => {
          socket = ws;
          ws.on("close", () => {
            clearTimeout(timer);
            // A non-zero exit is the command's business; no status at all means the exec broke off.
            if (status && (status.status === "Success" || status.reason === "NonZeroExitCode")) resolve({ stdout: stdout.text(), stderr: stderr.text() });
            else reject(new Error(status?.message ?? "the exec ended without a status"));
          });
        })
        .catch((err: unknown) => {
          clearTimeout(timer);
          reject(err instanceof Error ? err : new Error(String(err)));
        });
    });
  }
}
