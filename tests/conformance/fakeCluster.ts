/**
 * An in-memory cluster behind the ConformanceClient interface. It keeps real state (namespaces that
 * terminate a moment after their delete, pods that become Ready after a few polls and get an IP),
 * answers reads the way the API server does (kubernetes.io/metadata.name on every namespace), and
 * runs the probe script's probes against an "enforcer": by default the engine's spec answer on the
 * current objects, which a test can bend cell by cell. It logs every create and delete.
 */
import { buildModel, ConnectivityEngine, liveEngineObjects, podId, type KubeObject, type Labels, type PodInfo, type Protocol } from "../../core/netpol";
import type { ConformanceClient, ExecResult, NamespaceState, PodStatus } from "../../core/conformance/client";
import type { ReadBack } from "../../core/conformance/prediction";
import { PROBE_MARKER } from "../../core/conformance/probeScript";

/** One probe as the enforcer sees it (cluster pod ids). */
export interface Packet {
  from: string;
  to: string;
  port: number;
  protocol: Protocol;
}

/** What a probe prints: exit 0 (connected), or agnhost's TIMEOUT / REFUSED / another message. */
export type Verdict = "connected" | "TIMEOUT" | "REFUSED" | string;

/** Decides a probe; `spec` is what the NetworkPolicy spec says (kube-router's REJECT: REFUSED). */
export type Enforcer = (packet: Packet, spec: boolean, attempt: number) => Verdict;

export const specEnforcer: Enforcer = (_p, spec) => (spec ? "connected" : "REFUSED");

interface FakePod {
  object: KubeObject;
  ip: string;
  polls: number;
}

export class FakeCluster implements ConformanceClient {
  readonly namespaces = new Map<string, { labels: Labels; state: "active" | "terminating" }>();
  readonly pods = new Map<string, FakePod>();
  readonly policies = new Map<string, KubeObject>();
  readonly log: string[] = [];
  readonly execs: string[] = [];
  /** Polls before a new pod is Ready. */
  readyAfter = 2;
  /** A pod state to report instead of Ready (e.g. an image that cannot be pulled). */
  podTrouble?: (pod: KubeObject) => PodStatus | undefined;
  /** Throws from a method, optionally only for names matching. */
  readonly failures: Array<{ method: keyof ConformanceClient; match?: RegExp; error: Error; after?: boolean }> = [];
  /** Rewrites a policy on create, as a lossy client or an admission webhook would. */
  mutatePolicy?: (policy: KubeObject) => KubeObject;
  /** Called at the start of every exec, e.g. to abort a run halfway. */
  onExec?: () => void;
  private nextIp = 10;
  private readonly attempts = new Map<string, number>();

  constructor(public enforcer: Enforcer = specEnforcer) {
    for (const name of ["default", "kube-system"]) this.namespaces.set(name, { labels: { "kubernetes.io/metadata.name": name }, state: "active" });
  }

  private fail(method: keyof ConformanceClient, name: string, after = false): void {
    const f = this.failures.find((x) => x.method === method && !!x.after === after && (!x.match || x.match.test(name)));
    if (f) throw f.error;
  }

  /** Namespaces and the objects in them that still exist, among those a run created. */
  leftovers(): string[] {
    return [...this.namespaces.entries()].filter(([n, s]) => s.state === "active" && !["default", "kube-system"].includes(n)).map(([n]) => n);
  }

  async namespaceState(name: string): Promise<NamespaceState> {
    this.fail("namespaceState", name);
    const ns = this.namespaces.get(name);
    if (!ns) return { state: "absent", labels: {} };
    if (ns.state === "terminating") {
      this.namespaces.delete(name);
      for (const k of [...this.pods.keys()]) if (k.startsWith(`${name}/`)) this.pods.delete(k);
      for (const k of [...this.policies.keys()]) if (k.startsWith(`${name}/`)) this.policies.delete(k);
      return { state: "terminating", labels: ns.labels };
    }
    return { state: "active", labels: ns.labels };
  }

  async createNamespace(o: KubeObject): Promise<void> {
    const name = o.metadata.name;
    this.fail("createNamespace", name);
    if (this.namespaces.has(name)) throw new Error(`namespaces "${name}" already exists`);
    this.namespaces.set(name, { labels: { ...o.metadata.labels, "kubernetes.io/metadata.name": name }, state: "active" });
    this.log.push(`create namespace ${name}`);
    this.fail("createNamespace", name, true);
  }

  async labelNamespace(name: string, labels: Labels): Promise<void> {
    this.fail("labelNamespace", name);
    const ns = this.namespaces.get(name);
    if (!ns) throw new Error(`namespaces "${name}" not found`);
    ns.labels = { ...labels, "kubernetes.io/metadata.name": name };
    this.log.push(`label namespace ${name}`);
  }

  async deleteNamespace(name: string): Promise<void> {
    this.fail("deleteNamespace", name);
    const ns = this.namespaces.get(name);
    if (ns) ns.state = "terminating";
    this.log.push(`delete namespace ${name}`);
  }

  private requireNamespace(name: string | undefined): void {
    const ns = this.namespaces.get(name ?? "default");
    if (!ns || ns.state !== "active") throw new Error(`namespaces "${name}" not found`);
  }

  async createPod(o: KubeObject): Promise<void> {
    const key = `${o.metadata.namespace}/${o.metadata.name}`;
    this.fail("createPod", key);
    this.requireNamespace(o.metadata.namespace);
    if (this.pods.has(key)) throw new Error(`pods "${o.metadata.name}" already exists`);
    this.pods.set(key, { object: structuredClone(o), ip: `10.244.0.${this.nextIp++}`, polls: 0 });
    this.log.push(`create pod ${key}`);
  }

  async labelPod(namespace: string, name: string, labels: Labels): Promise<void> {
    const p = this.pods.get(`${namespace}/${name}`);
    if (!p) throw new Error(`pods "${name}" not found`);
    p.object.metadata.labels = { ...labels };
    this.log.push(`label pod ${namespace}/${name}`);
  }

  async deletePod(namespace: string, name: string): Promise<void> {
    this.pods.delete(`${namespace}/${name}`);
    this.log.push(`delete pod ${namespace}/${name}`);
  }

  async podStatus(namespace: string, name: string): Promise<PodStatus | undefined> {
    const p = this.pods.get(`${namespace}/${name}`);
    if (!p) return undefined;
    const trouble = this.podTrouble?.(p.object);
    if (trouble) return trouble;
    p.polls++;
    return p.polls > this.readyAfter ? { phase: "Running", ready: true } : { phase: "Pending", ready: false };
  }

  async createPolicy(o: KubeObject): Promise<void> {
    const key = `${o.metadata.namespace}/${o.metadata.name}`;
    this.fail("createPolicy", key);
    this.requireNamespace(o.metadata.namespace);
    if (this.policies.has(key)) throw new Error(`networkpolicies "${o.metadata.name}" already exists`);
    this.policies.set(key, structuredClone(this.mutatePolicy ? this.mutatePolicy(o) : o));
    this.log.push(`create policy ${key}`);
  }

  async replacePolicy(o: KubeObject): Promise<void> {
    const key = `${o.metadata.namespace}/${o.metadata.name}`;
    if (!this.policies.has(key)) throw new Error(`networkpolicies "${o.metadata.name}" not found`);
    this.policies.set(key, structuredClone(o));
    this.log.push(`replace policy ${key}`);
  }

  async deletePolicy(namespace: string, name: string): Promise<void> {
    this.policies.delete(`${namespace}/${name}`);
    this.log.push(`delete policy ${namespace}/${name}`);
  }

  async readBack(namespaces: readonly string[]): Promise<ReadBack> {
    this.fail("readBack", namespaces.join(","));
    const wanted = new Set(namespaces);
    return {
      namespaces: namespaces.filter((n) => this.namespaces.has(n)).map((n) => ({ apiVersion: "v1", kind: "Namespace", metadata: { name: n, labels: { ...this.namespaces.get(n)!.labels } } })),
      pods: [...this.pods.values()].filter((p) => wanted.has(p.object.metadata.namespace!)).map((p) => ({ ...structuredClone(p.object), status: { phase: "Running", podIP: p.ip } })),
      networkPolicies: [...this.policies.values()].filter((p) => wanted.has(p.metadata.namespace!)).map((p) => structuredClone(p)),
    };
  }

  /** The engine's model of everything that exists now, with pod IPs. */
  private engine(): { engine: ConnectivityEngine; byIp: Map<string, PodInfo>; byId: Map<string, PodInfo> } {
    const all = [...this.namespaces.keys()];
    const pods = [...this.pods.values()].map((p) => ({ ...p.object, status: { podIP: p.ip } }));
    const objects = liveEngineObjects({
      namespaces: all.map((n) => ({ apiVersion: "v1", kind: "Namespace", metadata: { name: n, labels: this.namespaces.get(n)!.labels } })),
      pods,
      replicaSets: [],
      jobs: [],
      networkPolicies: [...this.policies.values()],
    });
    const { model } = buildModel(objects);
    return { engine: new ConnectivityEngine(model), byIp: new Map(model.pods.map((p) => [p.ip!, p])), byId: new Map(model.pods.map((p) => [podId(p), p])) };
  }

  async exec(namespace: string, pod: string, _container: string, command: string[]): Promise<ExecResult> {
    this.onExec?.();
    const from = `${namespace}/${pod}`;
    this.fail("exec", from);
    this.execs.push(from);
    const { engine, byIp, byId } = this.engine();
    const source = byId.get(from);
    if (!source) throw new Error(`pods "${pod}" not found`);
    const lines: string[] = [];
    for (const m of command[2].matchAll(/^p (\d+) ([0-9.]+):(\d+) (tcp|udp|sctp) &$/gm)) {
      const dst = byIp.get(m[2]);
      const packet: Packet = { from, to: dst ? podId(dst) : m[2], port: Number(m[3]), protocol: m[4].toUpperCase() as Protocol };
      const spec = dst ? engine.evaluate(source, dst, packet.port, packet.protocol).allowed : false;
      const id = `${packet.from} ${packet.to} ${packet.port}/${packet.protocol}`;
      const attempt = (this.attempts.get(id) ?? 0) + 1;
      this.attempts.set(id, attempt);
      const verdict = this.enforcer(packet, spec, attempt);
      lines.push(verdict === "connected" ? `${PROBE_MARKER} ${m[1]} 0 ` : `${PROBE_MARKER} ${m[1]} 1 ${verdict}`);
    }
    return { stdout: `${lines.join("\n")}\n`, stderr: "" };
  }
}
