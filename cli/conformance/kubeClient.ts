/**
 * The real ConformanceClient, on @kubernetes/client-node (as verify's): typed calls for what the run
 * changes, the API server's own JSON for what the engine reads back, exec over the API server's
 * websocket for the probes. Every call is bounded by a timeout.
 */
import { Writable } from "node:stream";
import { CoreV1Api, Exec, NetworkingV1Api, PatchStrategy, setHeaderOptions, type KubeConfig, type V1Namespace, type V1NetworkPolicy, type V1Pod } from "@kubernetes/client-node";
import type { ConformanceClient, ExecResult, NamespaceState, PodStatus } from "../../core/conformance/client";
import type { ReadBack } from "../../core/conformance/prediction";
import type { KubeObject, Labels } from "../../core/netpol/types";
import { getJson, listAll } from "../connectivity/liveCluster";
import { apiErrorText, httpStatus, isKubernetesAnswer, KubeTimeoutError } from "../verify/kubeClient";

const isNotFound = (err: unknown) => httpStatus(err) === 404 && isKubernetesAnswer(err);

/** Labels as a merge patch that leaves exactly `labels` (a null removes a key). */
function labelPatch(current: Labels | undefined, labels: Labels): object {
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

export class ClientNodeConformanceClient implements ConformanceClient {
  private readonly core: CoreV1Api;
  private readonly networking: NetworkingV1Api;
  private readonly execer: Exec;
  private readonly server: string;

  constructor(
    private readonly kubeConfig: KubeConfig,
    private readonly timeoutMs: number,
  ) {
    this.core = kubeConfig.makeApiClient(CoreV1Api);
    this.networking = kubeConfig.makeApiClient(NetworkingV1Api);
    this.execer = new Exec(kubeConfig);
    this.server = kubeConfig.getCurrentCluster()?.server ?? "the API server";
  }

  private async call<T>(what: string, request: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new KubeTimeoutError(`${this.server} (${what})`, this.timeoutMs)), this.timeoutMs);
    });
    try {
      return await Promise.race([request(), timeout]);
    } catch (err) {
      // Errors keep their HTTP status (unreachable() reads it) and say what the server said.
      if (httpStatus(err) !== undefined && !(err instanceof KubeTimeoutError)) throw Object.assign(new Error(`${what}: ${apiErrorText(err)}`, { cause: err }), { code: httpStatus(err), body: (err as { body?: unknown }).body });
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Image names every node already has, or undefined when the nodes cannot be listed (RBAC). */
  async nodeImages(): Promise<string[][] | undefined> {
    try {
      const nodes = await this.call("list nodes", () => this.core.listNode());
      return nodes.items.map((n) => (n.status?.images ?? []).flatMap((i) => i.names ?? []));
    } catch (err) {
      if (httpStatus(err) === 403) return undefined;
      throw err;
    }
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

  async labelNamespace(name: string, labels: Labels): Promise<void> {
    const current = await this.call("read namespace", () => this.core.readNamespace({ name }));
    await this.call("label namespace", () => this.core.patchNamespace({ name, body: labelPatch(current.metadata?.labels, labels) }, setHeaderOptions("Content-Type", PatchStrategy.MergePatch)));
  }

  async deleteNamespace(name: string): Promise<void> {
    try {
      await this.call("delete namespace", () => this.core.deleteNamespace({ name }));
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  async createPod(pod: KubeObject): Promise<void> {
    await this.call("create pod", () => this.core.createNamespacedPod({ namespace: pod.metadata.namespace!, body: pod as unknown as V1Pod }));
  }

  async labelPod(namespace: string, name: string, labels: Labels): Promise<void> {
    const current = await this.call("read pod", () => this.core.readNamespacedPod({ namespace, name }));
    await this.call("label pod", () => this.core.patchNamespacedPod({ namespace, name, body: labelPatch(current.metadata?.labels, labels) }, setHeaderOptions("Content-Type", PatchStrategy.MergePatch)));
  }

  async deletePod(namespace: string, name: string): Promise<void> {
    try {
      await this.call("delete pod", () => this.core.deleteNamespacedPod({ namespace, name, gracePeriodSeconds: 0 }));
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  async podStatus(namespace: string, name: string): Promise<PodStatus | undefined> {
    let pod: V1Pod;
    try {
      pod = await this.call("read pod", () => this.core.readNamespacedPod({ namespace, name }));
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    const ready = pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
    const state = pod.status?.containerStatuses?.map((s) => s.state).find((s) => s?.waiting?.reason || s?.terminated);
    const reason = state?.waiting?.reason ? `${state.waiting.reason}${state.waiting.message ? `: ${state.waiting.message}` : ""}` : state?.terminated?.reason;
    return { phase: (pod.status?.phase ?? "Unknown") as PodStatus["phase"], ready, ...(reason ? { reason } : {}) };
  }

  async createPolicy(policy: KubeObject): Promise<void> {
    await this.call("create networkpolicy", () => this.networking.createNamespacedNetworkPolicy({ namespace: policy.metadata.namespace!, body: policy as unknown as V1NetworkPolicy }));
  }

  async replacePolicy(policy: KubeObject): Promise<void> {
    const { namespace, name } = policy.metadata as { namespace: string; name: string };
    const current = await this.call("read networkpolicy", () => this.networking.readNamespacedNetworkPolicy({ namespace, name }));
    const body = { ...policy, metadata: { ...policy.metadata, resourceVersion: current.metadata?.resourceVersion } } as unknown as V1NetworkPolicy;
    await this.call("replace networkpolicy", () => this.networking.replaceNamespacedNetworkPolicy({ namespace, name, body }));
  }

  async deletePolicy(namespace: string, name: string): Promise<void> {
    try {
      await this.call("delete networkpolicy", () => this.networking.deleteNamespacedNetworkPolicy({ namespace, name }));
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  async readBack(namespaces: readonly string[]): Promise<ReadBack> {
    const server = this.server.replace(/\/+$/, "");
    const out: ReadBack = { namespaces: [], pods: [], networkPolicies: [] };
    for (const ns of namespaces) {
      out.namespaces.push((await getJson(this.kubeConfig, new URL(`${server}/api/v1/namespaces/${ns}`), this.timeoutMs)) as KubeObject);
      out.pods.push(...(await listAll(this.kubeConfig, `/api/v1/namespaces/${ns}/pods`, this.timeoutMs)));
      out.networkPolicies.push(...(await listAll(this.kubeConfig, `/apis/networking.k8s.io/v1/namespaces/${ns}/networkpolicies`, this.timeoutMs)));
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
