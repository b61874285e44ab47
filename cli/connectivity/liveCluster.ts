/**
 * Reads what the connectivity engine needs from a live cluster: Namespaces, Pods, ReplicaSets and
 * Jobs (to name pods after their workloads) and NetworkPolicies, as the API server's own JSON, with
 * the credentials of a kubeconfig context (@kubernetes/client-node applies them).
 */
import * as http from "node:http";
import * as https from "node:https";
import type { KubeConfig } from "@kubernetes/client-node";
import type { KubeObject, LiveObjects } from "../../core/netpol";
import { KubeTimeoutError } from "../verify/kubeClient";

/** The API server answered, but not with what was asked; the message names the server and the call. */
export class LiveReadError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "LiveReadError";
  }
}

const LISTS: ReadonlyArray<[keyof LiveObjects, string]> = [
  ["namespaces", "/api/v1/namespaces"],
  ["pods", "/api/v1/pods"],
  ["replicaSets", "/apis/apps/v1/replicasets"],
  ["jobs", "/apis/batch/v1/jobs"],
  ["networkPolicies", "/apis/networking.k8s.io/v1/networkpolicies"],
];

/** One GET of the API server, as its own JSON; errors carry the HTTP status and body as client-node's do. */
export function getJson(kc: KubeConfig, url: URL, timeoutMs: number): Promise<unknown> {
  return requestJson(kc, "GET", url, timeoutMs);
}

/**
 * One request to the API server with a JSON body (or none), answered in its own JSON. Plain JSON
 * both ways: client-node's typed serializer drops fields its models name differently (a
 * NetworkPolicy's `from` is `_from` there), and what is sent must be exactly what was written.
 */
export async function requestJson(kc: KubeConfig, method: string, url: URL, timeoutMs: number, body?: unknown, contentType = "application/json"): Promise<unknown> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const headers: Record<string, string | number> = { Accept: "application/json", ...(payload !== undefined ? { "Content-Type": contentType, "Content-Length": Buffer.byteLength(payload) } : {}) };
  const options: https.RequestOptions = { method, headers, timeout: timeoutMs };
  try {
    await kc.applyToHTTPSOptions(options);
  } catch (err) {
    // e.g. "HTTP protocol is not allowed when skipTLSVerify is not set": a kubeconfig problem, not a bug.
    throw new LiveReadError(`the credentials of context ${kc.getCurrentContext()} cannot be used for ${url.origin}: ${(err as Error).message}`, { cause: err });
  }
  return new Promise((resolve, reject) => {
    // `kubectl proxy` and stand-ins serve plain HTTP; client-node builds the matching agent.
    const req = (url.protocol === "http:" ? http : https).request(url, options, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () => {
        const status = res.statusCode ?? 0;
        let doc: unknown;
        try {
          doc = JSON.parse(body);
        } catch {
          reject(new LiveReadError(`${url.origin} did not answer like a Kubernetes API server (HTTP ${status} for ${url.pathname})`));
          return;
        }
        if (status < 200 || status > 299) {
          const message = (doc as { message?: unknown })?.message;
          // The body goes with the error: unreachable() tells a Kubernetes refusal (a Status) from another server by it.
          reject(Object.assign(new LiveReadError(`${url.origin} refused ${method} ${url.pathname} (HTTP ${status}${typeof message === "string" ? `: ${message}` : ""})`), { code: status, body: doc }));
          return;
        }
        resolve(doc);
      });
    });
    req.on("timeout", () => req.destroy(new KubeTimeoutError(url.origin, timeoutMs)));
    req.on("error", reject);
    req.end(payload);
  });
}

/** Every item of one list, following `continue` tokens, as plain API JSON. */
export async function listAll(kc: KubeConfig, path: string, timeoutMs: number): Promise<KubeObject[]> {
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new LiveReadError("the kubeconfig's current context has no cluster server");
  const items: KubeObject[] = [];
  let token: string | undefined;
  do {
    const url = new URL(`${server.replace(/\/+$/, "")}${path}`);
    url.searchParams.set("limit", "500");
    if (token) url.searchParams.set("continue", token);
    const doc = (await getJson(kc, url, timeoutMs)) as { items?: unknown; metadata?: { continue?: string } };
    if (!Array.isArray(doc.items)) throw new LiveReadError(`${server} answered GET ${path} without an items list`);
    for (const item of doc.items) items.push(item as KubeObject);
    token = doc.metadata?.continue || undefined;
  } while (token);
  return items;
}

/** Lists everything the engine needs, one list after another. */
export async function readLiveObjects(kc: KubeConfig, timeoutMs = 30_000): Promise<LiveObjects> {
  const out: Partial<LiveObjects> = {};
  for (const [key, path] of LISTS) out[key] = await listAll(kc, path, timeoutMs);
  return out as LiveObjects;
}
