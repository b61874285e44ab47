/**
 * A throw-away Kubernetes cluster on 127.0.0.1 from the real binaries: etcd, kube-apiserver,
 * kube-controller-manager and kube-scheduler, with kwok faking Ready nodes and pod status, so that
 * Deployments become Available without a container runtime. Nothing runs a container, so
 * NetworkPolicies are stored and served but never enforced here.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as https from "node:https";
import * as path from "node:path";
import { promisify } from "node:util";
import { createPki, type ClusterPki } from "./pki";
import { Daemon, freePort, waitFor } from "./daemon";
import type { E2eTools } from "./tools";

const execFileAsync = promisify(execFile);

export const CLUSTER_CONTEXT = "prices-api-e2e";
export const FAKE_NODE = "kwok-node-1";
const ADMIN_TOKEN = "prices-api-e2e-admin";
const SERVICE_CIDR = "10.96.0.0/16";
// Pod IPs are only data here (nothing routes to them); the node's address is loopback, so the API
// server never reaches past this machine even when asked for logs.
const POD_CIDR = "10.244.0.1/16";

function httpsGet(url: string, ca: Buffer, token: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca, headers: { Authorization: `Bearer ${token}` }, timeout: 5000 }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("timeout", () => req.destroy(new Error("request timed out")));
    req.on("error", reject);
  });
}

export class LocalCluster {
  readonly kubeconfig: string;
  readonly server: string;
  private readonly daemons: Daemon[] = [];
  private readonly apiserver: Daemon;

  private constructor(
    private readonly tools: E2eTools,
    dir: string,
    private readonly pki: ClusterPki,
    ports: { etcd: number; etcdPeer: number; apiserver: number },
  ) {
    const logs = path.join(dir, "logs");
    fs.mkdirSync(logs, { recursive: true });
    this.server = `https://127.0.0.1:${ports.apiserver}`;
    this.kubeconfig = path.join(dir, "kubeconfig.yaml");
    this.writeKubeconfig();
    const etcdUrl = `http://127.0.0.1:${ports.etcd}`;
    const peerUrl = `http://127.0.0.1:${ports.etcdPeer}`;
    const daemon = (name: string, bin: string, args: string[]) => {
      const d = new Daemon(name, bin, args, path.join(logs, `${name}.log`));
      this.daemons.push(d);
      return d;
    };
    daemon("etcd", tools.etcd, [
      "--name=e2e",
      `--data-dir=${path.join(dir, "etcd")}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=e2e=${peerUrl}`,
      "--listen-metrics-urls=",
      "--unsafe-no-fsync=true",
      "--log-level=warn",
    ]);
    fs.writeFileSync(path.join(dir, "tokens.csv"), `${ADMIN_TOKEN},e2e-admin,e2e-admin,"system:masters"\n`);
    this.apiserver = daemon("kube-apiserver", tools.kubeApiserver, [
      `--etcd-servers=${etcdUrl}`,
      "--bind-address=127.0.0.1",
      "--advertise-address=127.0.0.1",
      `--secure-port=${ports.apiserver}`,
      `--tls-cert-file=${pki.serverCert}`,
      `--tls-private-key-file=${pki.serverKey}`,
      `--client-ca-file=${pki.caCert}`,
      `--token-auth-file=${path.join(dir, "tokens.csv")}`,
      "--authorization-mode=RBAC",
      `--service-account-key-file=${pki.serviceAccountPub}`,
      `--service-account-signing-key-file=${pki.serviceAccountKey}`,
      "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
      `--service-cluster-ip-range=${SERVICE_CIDR}`,
      "--allow-privileged=true",
      "--profiling=false",
      "--endpoint-reconciler-type=none",
    ]);
    daemon("kube-controller-manager", tools.kubeControllerManager, [
      `--kubeconfig=${this.kubeconfig}`,
      "--bind-address=127.0.0.1",
      "--secure-port=0",
      "--leader-elect=false",
      `--service-account-private-key-file=${pki.serviceAccountKey}`,
      `--root-ca-file=${pki.caCert}`,
      `--service-cluster-ip-range=${SERVICE_CIDR}`,
      "--profiling=false",
    ]);
    daemon("kube-scheduler", tools.kubeScheduler, [`--kubeconfig=${this.kubeconfig}`, "--bind-address=127.0.0.1", "--secure-port=0", "--leader-elect=false", "--profiling=false"]);
    daemon("kwok", tools.kwok, [
      `--kubeconfig=${this.kubeconfig}`,
      `--config=${tools.kwokStages}`,
      "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
      `--cidr=${POD_CIDR}`,
      "--node-ip=127.0.0.1",
    ]);
  }

  /** Starts every component, registers one fake node and waits until it is Ready. */
  static async start(tools: E2eTools, dir: string, log: (line: string) => void): Promise<LocalCluster> {
    const pki = createPki(path.join(dir, "pki"));
    const cluster = new LocalCluster(tools, dir, pki, { etcd: await freePort(), etcdPeer: await freePort(), apiserver: await freePort() });
    try {
      for (const d of cluster.daemons) {
        d.start();
        if (d.name === "etcd") await cluster.waitRunning(d, 2000);
        if (d.name === "kube-apiserver") await cluster.waitReady(90_000);
      }
      log(`API server ${cluster.server} ready (${(await cluster.version()).gitVersion})`);
      await cluster.kubectl(["apply", "-f", "-"], fakeNodeManifest());
      await waitFor(`node ${FAKE_NODE} Ready (kwok)`, 60_000, async () => {
        const status = await cluster.kubectl(["get", "node", FAKE_NODE, "-o", 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']);
        return status.trim() === "True" ? true : undefined;
      });
      await waitFor("the default ServiceAccount (controller-manager)", 60_000, async () => ((await cluster.kubectl(["get", "serviceaccount", "default", "-o", "name"])).trim() ? true : undefined));
      log(`node ${FAKE_NODE} Ready (kwok), controller-manager and scheduler running`);
      return cluster;
    } catch (err) {
      await cluster.stop();
      throw err;
    }
  }

  /** The cluster CA, read once: the PKI is made before the API server starts and never changes. */
  private caCache: Buffer | undefined;
  private get ca(): Buffer {
    return (this.caCache ??= fs.readFileSync(this.pki.caCert));
  }

  private writeKubeconfig(): void {
    const ca = this.ca.toString("base64");
    fs.writeFileSync(
      this.kubeconfig,
      [
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        `- name: ${CLUSTER_CONTEXT}`,
        "  cluster:",
        `    server: ${this.server}`,
        `    certificate-authority-data: ${ca}`,
        "users:",
        "- name: e2e-admin",
        "  user:",
        `    token: ${ADMIN_TOKEN}`,
        "contexts:",
        `- name: ${CLUSTER_CONTEXT}`,
        "  context:",
        `    cluster: ${CLUSTER_CONTEXT}`,
        "    user: e2e-admin",
        `current-context: ${CLUSTER_CONTEXT}`,
        "",
      ].join("\n"),
      { mode: 0o600 },
    );
  }

  private async waitRunning(d: Daemon, ms: number): Promise<void> {
    await new Promise((r) => setTimeout(r, ms));
    if (!d.running) throw new Error(`${d.name} exited at start:\n${d.tail()}`);
  }

  private async readyz(): Promise<boolean> {
    const res = await httpsGet(`${this.server}/readyz`, this.ca, ADMIN_TOKEN);
    return res.status === 200;
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    await waitFor("kube-apiserver /readyz", timeoutMs, async () => {
      if (!this.apiserver.running) throw new Error(`kube-apiserver exited:\n${this.apiserver.tail()}`);
      return (await this.readyz()) ? true : undefined;
    });
  }

  /** The server's /version, as the Kubernetes provider sees it. */
  async version(): Promise<{ gitVersion: string }> {
    const res = await httpsGet(`${this.server}/version`, this.ca, ADMIN_TOKEN);
    return JSON.parse(res.body) as { gitVersion: string };
  }

  /** Runs the built kubectl against this cluster; rejects with kubectl's stderr. */
  async kubectl(args: string[], stdin?: string): Promise<string> {
    const run = execFileAsync(this.tools.kubectl, [`--kubeconfig=${this.kubeconfig}`, ...args], { maxBuffer: 64 * 1024 * 1024 });
    if (stdin !== undefined) {
      run.child.stdin?.end(stdin);
    }
    try {
      return (await run).stdout;
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(`kubectl ${args.join(" ")}: ${(e.stderr || e.message).trim()}`, { cause: err });
    }
  }

  /** Stops only the API server: clients then get "connection refused", as with a cluster that is gone. */
  async stopApiServer(): Promise<void> {
    await this.apiserver.stop();
  }

  async startApiServer(): Promise<void> {
    this.apiserver.start();
    await this.waitReady(90_000);
  }

  /** Stops every component (kwok first, etcd last). Safe to call more than once. */
  async stop(): Promise<void> {
    for (const d of [...this.daemons].reverse()) await d.stop();
  }
}

function fakeNodeManifest(): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name: FAKE_NODE,
      annotations: { "kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0" },
      labels: { "kubernetes.io/hostname": FAKE_NODE, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64", type: "kwok" },
    },
    status: { allocatable: { cpu: "32", memory: "256Gi", pods: "110" }, capacity: { cpu: "32", memory: "256Gi", pods: "110" } },
  });
}
