/**
 * An in-memory cluster behind the KubeClient interface, for the orchestration tests. It keeps
 * real state (namespaces, pods, a namespace that terminates asynchronously) and a log of every
 * create and delete, so tests can assert that everything created was deleted.
 */
import type { ApiStatus, Clock, KubeClient, NamespaceState, PodState } from "../../core/verify/client";
import type { KubeObject, Labels } from "../../core/netpol/types";

/** How a probe pod behaves: the states it goes through (one per poll, the last repeats) and its log. */
export interface PodScript {
  states: PodState[];
  log?: string;
}

/** Decides each probe pod's script from the pod (its namespace, labels and annotations). */
export type Behaviour = (pod: KubeObject) => PodScript;

interface FakeNamespace {
  labels: Labels;
  state: "active" | "terminating";
}

export class FakeCluster implements KubeClient {
  readonly namespaces = new Map<string, FakeNamespace>();
  readonly pods = new Map<string, { pod: KubeObject; polls: number; script: PodScript }>();
  readonly created: string[] = [];
  readonly deleted: string[] = [];
  apiStatusValue: ApiStatus = { deployment: { desiredReplicas: 1, availableReplicas: 1 }, serviceExists: true, readyEndpoints: 1 };
  /** Method name → error to throw from it (optionally only for objects whose name matches). */
  readonly failures: Array<{ method: keyof KubeClient; match?: RegExp; error: Error }> = [];
  /** The same, thrown AFTER the call took effect: a create the server did but whose answer timed out. */
  readonly failuresAfter: Array<{ method: keyof KubeClient; match?: RegExp; error: Error }> = [];
  /** Runs between the caller's last look and its create, e.g. someone else creating the namespace. */
  beforeCreateNamespace?: (name: string) => void;

  constructor(private readonly behaviour: Behaviour) {
    for (const name of ["default", "critical-project", "pricing-ns", "kube-system"]) {
      this.namespaces.set(name, { labels: { "kubernetes.io/metadata.name": name }, state: "active" });
    }
  }

  private fail(method: keyof KubeClient, name: string, list = this.failures): void {
    const f = list.find((x) => x.method === method && (!x.match || x.match.test(name)));
    if (f) throw f.error;
  }

  /** Objects created by the run that still exist. */
  leftovers(): string[] {
    const live = new Set([...this.pods.keys()].map((k) => `pod ${k}`));
    for (const [name, ns] of this.namespaces) if (ns.state === "active") live.add(`namespace ${name}`);
    return this.created.filter((c) => live.has(c));
  }

  async apiStatus(): Promise<ApiStatus> {
    this.fail("apiStatus", "");
    return this.apiStatusValue;
  }

  async namespaceState(name: string): Promise<NamespaceState> {
    this.fail("namespaceState", name);
    const ns = this.namespaces.get(name);
    if (!ns) return { state: "absent", labels: {} };
    if (ns.state === "terminating") {
      // Terminates after one more look, as a real namespace does after a while.
      this.namespaces.delete(name);
      return { state: "terminating", labels: ns.labels };
    }
    return { state: "active", labels: ns.labels };
  }

  async createNamespace(namespace: KubeObject): Promise<void> {
    const name = namespace.metadata.name;
    this.fail("createNamespace", name);
    this.beforeCreateNamespace?.(name);
    if (this.namespaces.has(name)) throw new Error(`namespaces "${name}" already exists`);
    this.namespaces.set(name, { labels: { ...namespace.metadata.labels }, state: "active" });
    this.created.push(`namespace ${name}`);
    this.fail("createNamespace", name, this.failuresAfter);
  }

  async createPod(pod: KubeObject): Promise<void> {
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    this.fail("createPod", key);
    if (!this.namespaces.has(pod.metadata.namespace ?? "default")) throw new Error(`namespaces "${pod.metadata.namespace}" not found`);
    if (this.pods.has(key)) throw new Error(`pods "${pod.metadata.name}" already exists`);
    this.pods.set(key, { pod, polls: 0, script: this.behaviour(pod) });
    this.created.push(`pod ${key}`);
    this.fail("createPod", key, this.failuresAfter);
  }

  async podState(namespace: string, name: string): Promise<PodState> {
    const key = `${namespace}/${name}`;
    this.fail("podState", key);
    const p = this.pods.get(key);
    if (!p) return { phase: "Gone" };
    const state = p.script.states[Math.min(p.polls, p.script.states.length - 1)];
    p.polls++;
    return { ...state, labels: { ...p.pod.metadata.labels } };
  }

  async readPodLogs(namespace: string, name: string): Promise<string> {
    const key = `${namespace}/${name}`;
    this.fail("readPodLogs", key);
    const p = this.pods.get(key);
    if (!p) throw new Error(`pods "${name}" not found`);
    return p.script.log ?? "";
  }

  async deletePod(namespace: string, name: string): Promise<void> {
    const key = `${namespace}/${name}`;
    this.fail("deletePod", key);
    this.pods.delete(key);
    this.deleted.push(`pod ${key}`);
  }

  async deleteNamespace(name: string): Promise<void> {
    this.fail("deleteNamespace", name);
    const ns = this.namespaces.get(name);
    if (ns) ns.state = "terminating";
    for (const key of [...this.pods.keys()]) if (key.startsWith(`${name}/`)) this.pods.delete(key);
    this.deleted.push(`namespace ${name}`);
  }
}

/** A clock that jumps forward on every sleep, and honours abort like timers/promises does. */
export class FakeClock implements Clock {
  time = 0;
  sleeps = 0;
  now(): number {
    return this.time;
  }
  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps++;
    if (signal?.aborted) throw Object.assign(new Error("The operation was aborted"), { name: "AbortError" });
    this.time += ms;
  }
}

/** The log line a probe pod prints, built the way the probe script builds it. */
export function probeLog(exit: number, httpCode: string, errormsg = "", timeConnect = "0.000000"): string {
  return `NETPOL_PROBE exit=${exit} http_code=${httpCode} time_connect=${timeConnect} errormsg=${errormsg}\n`;
}

export const REACHED = probeLog(0, "200", "", "0.001234");
export const TIMED_OUT = probeLog(28, "000", "Connection timed out after 5002 milliseconds");
/** What curl 8 -v prints when the connection is refused; errormsg alone no longer says why. */
export const REFUSED =
  "*   Trying 10.43.12.5:80...\n* connect to 10.43.12.5 port 80 from 10.42.0.9 port 40112 failed: Connection refused\n" +
  probeLog(7, "000", "Failed to connect to prices-api-service.pricing-ns.svc.cluster.local port 80 after 3 ms: Couldn't connect to server");
