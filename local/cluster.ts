/**
 * A real single-node Kubernetes cluster on this machine: etcd, kube-apiserver, controller-manager,
 * scheduler, containerd (runc, the bridge CNI plugin), kubelet, kube-proxy, CoreDNS and kube-router's
 * network policy controller as the enforcer. Everything runs inside the cluster's own network and
 * mount namespaces (namespaces.ts); the only way in from the host is a forwarder on 127.0.0.1 to the
 * API server. Images are built locally (e2e/tools/images.sh) and imported: nothing is pulled.
 *
 * The cluster outlives the process that starts it (`npm run local -- up`); its record
 * (cluster.json in its folder) lets a later process find it, check it and tear it down.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as https from "node:https";
import * as path from "node:path";
import { promisify } from "node:util";
import { Daemon, waitFor, type DaemonSpec } from "./daemon";
import { createNamespaces, inNamespaces, runInNamespaces, checkClusterFolder } from "./namespaces";
import {
  CLUSTER_CONTEXT,
  NETWORK,
  NODE_NAME,
  cgroupRoot,
  clusterLayout,
  cniConflist,
  componentKubeconfig,
  containerdConfig,
  corednsObjects,
  kubeProxyConfig,
  kubeRouterArgs,
  kubeRouterRbac,
  kubeletConfig,
  type ClusterLayout,
} from "./nodeConfig";
import { missingHostPrograms } from "./hostPrograms";
import { createPki, type ClusterPki } from "./pki";
import { isAlive, namespaceOf, stopProcess, type ProcessRecord } from "./processes";
import { flushEnforcerRules } from "./enforcer";
import { createClusterCgroups, teardownCluster, type TeardownResult } from "./teardown";
import type { ClusterTools } from "./tools";

export { CLUSTER_CONTEXT };

const execFileAsync = promisify(execFile);
const ADMIN_TOKEN_BYTES = 24;

/** What cluster.json records: enough for another process to find every piece again. */
export interface ClusterRecord {
  /** Short name: part of the cgroup root, so two clusters (local and an e2e run) never share one. */
  name: string;
  root: string;
  createdAt: string;
  holder: ProcessRecord;
  netns: string;
  mntns: string;
  cgroupRoot: string;
  apiserverPort: number;
  forwarder?: ProcessRecord;
  forwarderExe: string;
  daemons: Array<ProcessRecord & DaemonSpec>;
}

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

const elapsed = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)}s`;

export class LocalCluster {
  readonly layout: ClusterLayout;
  readonly kubeconfig: string;
  private readonly daemons = new Map<string, Daemon>();
  /** Command lines of the components, by name; set when the config files are written. */
  private specs: Record<string, string[]> = {};

  private constructor(
    private readonly tools: ClusterTools,
    private record: ClusterRecord,
    private readonly token: string,
  ) {
    this.layout = clusterLayout(record.root);
    this.kubeconfig = this.layout.hostKubeconfig;
    for (const d of record.daemons) {
      const daemon = new Daemon({ name: d.name, command: d.command, args: d.args }, path.join(this.layout.logs, `${d.name}.log`));
      daemon.record = { name: d.name, pid: d.pid, startTime: d.startTime };
      this.daemons.set(d.name, daemon);
    }
  }

  get name(): string {
    return this.record.name;
  }

  /** The API server as the host reaches it. */
  get server(): string {
    return `https://127.0.0.1:${this.record.apiserverPort}`;
  }

  private get ca(): Buffer {
    return fs.readFileSync(path.join(this.layout.pki, "ca.crt"));
  }

  /** The cluster recorded in `root`, or undefined when there is none (nothing started, or torn down). */
  static find(tools: ClusterTools, root: string): LocalCluster | undefined {
    const record = clusterRecordOf(root);
    if (!record) return undefined;
    const token = /^([^,]+),/.exec(fs.readFileSync(clusterLayout(root).tokensCsv, "utf8"))?.[1] ?? "";
    return new LocalCluster(tools, record, token);
  }

  /** Every recorded piece of the cluster, and whether it runs. */
  health(): Array<{ name: string; pid: number; running: boolean }> {
    const pieces = [this.record.holder, ...(this.record.forwarder ? [this.record.forwarder] : []), ...this.record.daemons];
    return pieces.map((p) => ({ name: p.name, pid: p.pid, running: isAlive(p) }));
  }

  /**
   * Starts every component in `root` (created, and required to be empty or absent) and waits until
   * the node is Ready and CoreDNS is Available. On failure everything started is torn down again
   * and the error names the component and the end of its log.
   */
  static async start(tools: ClusterTools, opts: { root: string; name: string; log: (line: string) => void }): Promise<LocalCluster> {
    const { root, name, log } = opts;
    const missing = missingHostPrograms();
    if (missing) throw new Error(missing);
    checkClusterFolder(root);
    if (fs.existsSync(root) && fs.readdirSync(root).length > 0) throw new Error(`the cluster's folder ${root} is not empty`);
    const layout = clusterLayout(root);
    for (const d of [layout.logs, layout.cniConfDir, path.dirname(layout.containerdConfig)]) fs.mkdirSync(d, { recursive: true });
    const started = Date.now();
    const pki = createPki(layout.pki, { nodeName: NODE_NAME, nodeIp: NETWORK.nodeIp, serviceIp: NETWORK.kubernetesServiceIp });
    const token = randomBytes(ADMIN_TOKEN_BYTES).toString("hex");
    fs.writeFileSync(layout.tokensCsv, `${token},local-admin,local-admin,"system:masters"\n`, { mode: 0o600 });
    const holder = await createNamespaces(layout);
    const record: ClusterRecord = {
      name,
      root,
      createdAt: new Date().toISOString(),
      holder,
      netns: namespaceOf(holder.pid, "net")!,
      mntns: namespaceOf(holder.pid, "mnt")!,
      cgroupRoot: cgroupRoot(name),
      apiserverPort: 0,
      forwarderExe: tools.netnsForward,
      daemons: [],
    };
    const cluster = new LocalCluster(tools, record, token);
    cluster.save();
    try {
      await cluster.startForwarder();
      cluster.writeConfigFiles(pki);
      log(`local cluster: namespaces and PKI ready (${elapsed(started)}); API server will be ${cluster.server}`);
      await cluster.launch("etcd");
      await cluster.launch("kube-apiserver");
      await cluster.waitApiServer(90_000);
      log(`local cluster: API server ready, ${(await cluster.version()).gitVersion} (${elapsed(started)})`);
      await cluster.kubectl(["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "List", items: [...kubeRouterRbac(), ...corednsObjects(tools.images.coredns)] }));
      await cluster.launch("kube-controller-manager");
      await cluster.launch("kube-scheduler");
      await cluster.launch("containerd");
      await waitFor("containerd's socket", 30_000, async () => (fs.existsSync(layout.containerdSocket) ? true : undefined));
      await cluster.importImages();
      log(`local cluster: containerd running, ${tools.images.archives.length} local images imported (${elapsed(started)})`);
      createClusterCgroups(record.cgroupRoot);
      await cluster.launch("kubelet");
      await waitFor(`node ${NODE_NAME} Ready`, 90_000, async () => {
        cluster.assertRunning("kubelet");
        const status = await cluster.kubectl(["get", "node", NODE_NAME, "-o", 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']);
        return status.trim() === "True" ? true : undefined;
      });
      await cluster.launch("kube-proxy");
      await cluster.launch("kube-router");
      log(`local cluster: node ${NODE_NAME} Ready; kube-proxy and kube-router (the NetworkPolicy enforcer) running (${elapsed(started)})`);
      await cluster.waitAvailable("kube-system", "coredns", 120_000);
      await waitFor("the default ServiceAccount (controller-manager)", 60_000, async () => ((await cluster.kubectl(["get", "serviceaccount", "default", "-o", "name"])).trim() ? true : undefined));
      log(`local cluster: CoreDNS Available; cluster ready in ${elapsed(started)}`);
      return cluster;
    } catch (err) {
      log(`local cluster: start failed, tearing down: ${(err as Error).message}`);
      await cluster.stop();
      throw err;
    }
  }

  private save(): void {
    fs.writeFileSync(this.layout.state, `${JSON.stringify(this.record, null, 2)}\n`);
  }

  private writeConfigFiles(pki: ClusterPki): void {
    const l = this.layout;
    const inside = `https://${NETWORK.nodeIp}:${NETWORK.apiserverPort}`;
    const kubeconfig = (name: string, user: { cert: string; key: string } | { token: string }) => {
      const file = path.join(l.pki, `${name}.kubeconfig`);
      fs.writeFileSync(file, componentKubeconfig({ server: inside, caCert: pki.caCert, user }), { mode: 0o600 });
      return file;
    };
    const admin = kubeconfig("admin", { token: this.token });
    const kubeletKc = kubeconfig("kubelet", pki.kubeletClient);
    const proxyKc = kubeconfig("kube-proxy", pki.kubeProxy);
    const routerKc = kubeconfig("kube-router", pki.kubeRouter);
    fs.writeFileSync(path.join(l.cniConfDir, "10-prices-api-local.conflist"), cniConflist());
    fs.writeFileSync(l.containerdConfig, containerdConfig(l, this.tools.images.pause));
    fs.writeFileSync(l.kubeletConfig, kubeletConfig(l, { caCert: pki.caCert, servingCert: pki.kubeletServing, cgroupRoot: this.record.cgroupRoot }));
    fs.writeFileSync(l.kubeProxyConfig, kubeProxyConfig(proxyKc));
    // No nameserver: pods with dnsPolicy Default (CoreDNS itself) get none, so nothing asks outside.
    fs.writeFileSync(l.resolvConf, "# the local cluster has no upstream DNS\n");
    const t = this.tools;
    const etcdUrl = "http://127.0.0.1:2379";
    this.specs = {
      etcd: [
        t.etcd,
        "--name=local",
        `--data-dir=${l.etcdData}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        "--listen-peer-urls=http://127.0.0.1:2380",
        "--initial-advertise-peer-urls=http://127.0.0.1:2380",
        "--initial-cluster=local=http://127.0.0.1:2380",
        "--listen-metrics-urls=",
        "--unsafe-no-fsync=true",
        "--log-level=warn",
      ],
      "kube-apiserver": [
        t.kubeApiserver,
        `--etcd-servers=${etcdUrl}`,
        "--bind-address=0.0.0.0",
        `--advertise-address=${NETWORK.nodeIp}`,
        `--secure-port=${NETWORK.apiserverPort}`,
        `--tls-cert-file=${pki.server.cert}`,
        `--tls-private-key-file=${pki.server.key}`,
        `--client-ca-file=${pki.caCert}`,
        `--token-auth-file=${l.tokensCsv}`,
        "--authorization-mode=Node,RBAC",
        "--enable-admission-plugins=NodeRestriction",
        `--service-account-key-file=${pki.serviceAccountPub}`,
        `--service-account-signing-key-file=${pki.serviceAccountKey}`,
        "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
        `--service-cluster-ip-range=${NETWORK.serviceCidr}`,
        `--kubelet-client-certificate=${pki.apiserverKubeletClient.cert}`,
        `--kubelet-client-key=${pki.apiserverKubeletClient.key}`,
        // Otherwise the node name is resolved through the host's nameserver and exec/logs hang.
        "--kubelet-preferred-address-types=InternalIP",
        "--allow-privileged=true",
        "--profiling=false",
      ],
      "kube-controller-manager": [
        t.kubeControllerManager,
        `--kubeconfig=${admin}`,
        "--bind-address=127.0.0.1",
        "--secure-port=0",
        "--leader-elect=false",
        `--service-account-private-key-file=${pki.serviceAccountKey}`,
        `--root-ca-file=${pki.caCert}`,
        `--service-cluster-ip-range=${NETWORK.serviceCidr}`,
        "--allocate-node-cidrs=true",
        `--cluster-cidr=${NETWORK.clusterCidr}`,
        "--node-cidr-mask-size=24",
        "--use-service-account-credentials=true",
        "--profiling=false",
      ],
      "kube-scheduler": [t.kubeScheduler, `--kubeconfig=${admin}`, "--bind-address=127.0.0.1", "--secure-port=0", "--leader-elect=false", "--profiling=false"],
      containerd: ["containerd", `--config=${l.containerdConfig}`, "--log-level=warn"],
      kubelet: [t.kubelet, `--config=${l.kubeletConfig}`, `--kubeconfig=${kubeletKc}`, `--hostname-override=${NODE_NAME}`, `--node-ip=${NETWORK.nodeIp}`, "--v=1"],
      "kube-proxy": [t.kubeProxy, `--config=${l.kubeProxyConfig}`, "--v=1"],
      "kube-router": [t.kubeRouter, ...kubeRouterArgs(routerKc)],
    };
  }

  private async launch(name: string): Promise<void> {
    const [command, ...args] = this.specs[name];
    const spec: DaemonSpec = { name, ...inNamespaces(this.record.holder, command, args) };
    const daemon = new Daemon(spec, path.join(this.layout.logs, `${name}.log`));
    daemon.start();
    this.daemons.set(name, daemon);
    this.record.daemons = [...this.record.daemons.filter((d) => d.name !== name), { ...daemon.record!, ...spec }];
    this.save();
    // A component that dies on a bad flag or config does so within a moment: say which, with its log.
    await new Promise((r) => setTimeout(r, 300));
    this.assertRunning(name);
  }

  private assertRunning(name: string): void {
    const d = this.daemons.get(name);
    if (!d?.running) throw new Error(`${name} exited; the end of its log (${d?.logFile}):\n${d?.tail() ?? ""}`);
  }

  private async startForwarder(port = 0): Promise<void> {
    const portFile = this.layout.forwarderPortFile;
    fs.rmSync(portFile, { force: true });
    const args = [`/proc/${this.record.holder.pid}/ns/net`, `127.0.0.1:${port}`, `${NETWORK.nodeIp}:${NETWORK.apiserverPort}`, portFile];
    const forwarder = new Daemon({ name: "apiserver-forwarder", command: this.tools.netnsForward, args }, path.join(this.layout.logs, "apiserver-forwarder.log"));
    forwarder.start();
    const chosen = await waitFor("the API server forwarder on 127.0.0.1", 5_000, async () => {
      if (!forwarder.running) throw new Error(`the forwarder exited: ${forwarder.tail()}`);
      return fs.existsSync(portFile) ? Number(fs.readFileSync(portFile, "utf8").trim()) : undefined;
    }, 20);
    this.record.forwarder = forwarder.record;
    this.record.apiserverPort = chosen;
    this.save();
    this.writeHostKubeconfig();
  }

  /** The kubeconfig for the host: through the forwarder, with the CA inline, so it works from anywhere. */
  private writeHostKubeconfig(): void {
    const text = componentKubeconfig({ server: this.server, caCert: path.join(this.layout.pki, "ca.crt"), user: { token: this.token } });
    fs.writeFileSync(this.kubeconfig, text.replace(/certificate-authority: .*/, `certificate-authority-data: ${this.ca.toString("base64")}`), { mode: 0o600 });
  }

  private async importImages(): Promise<void> {
    for (const archive of this.tools.images.archives) {
      try {
        await execFileAsync("ctr", ["--address", this.layout.containerdSocket, "--namespace", "k8s.io", "images", "import", "--no-unpack=false", archive]);
      } catch (err) {
        throw new Error(`ctr images import ${archive}: ${((err as { stderr?: string }).stderr ?? (err as Error).message).trim()}`, { cause: err });
      }
    }
  }

  private async readyz(): Promise<boolean> {
    return (await httpsGet(`${this.server}/readyz`, this.ca, this.token)).status === 200;
  }

  private async waitApiServer(timeoutMs: number): Promise<void> {
    await waitFor("kube-apiserver /readyz", timeoutMs, async () => {
      this.assertRunning("kube-apiserver");
      return (await this.readyz()) ? true : undefined;
    });
  }

  async waitAvailable(namespace: string, deployment: string, timeoutMs: number): Promise<void> {
    await waitFor(`Deployment ${namespace}/${deployment} Available`, timeoutMs, async () => {
      const s = await this.kubectl(["get", "deployment", deployment, "-n", namespace, "-o", 'jsonpath={.status.conditions[?(@.type=="Available")].status}']);
      return s.trim() === "True" ? true : undefined;
    });
  }

  /** Up and answering: every recorded process alive and the API server ready. */
  async healthy(): Promise<{ ok: boolean; problem?: string }> {
    const down = this.health().filter((p) => !p.running);
    if (down.length > 0) return { ok: false, problem: `not running: ${down.map((p) => p.name).join(", ")}` };
    try {
      return (await this.readyz()) ? { ok: true } : { ok: false, problem: "the API server is not ready" };
    } catch (err) {
      return { ok: false, problem: `the API server does not answer: ${(err as Error).message}` };
    }
  }

  /** The server's /version, as the Kubernetes provider sees it. */
  async version(): Promise<{ gitVersion: string }> {
    const res = await httpsGet(`${this.server}/version`, this.ca, this.token);
    return JSON.parse(res.body) as { gitVersion: string };
  }

  /** Runs the built kubectl against this cluster from the host; resolves with its exit code and output. */
  kubectlResult(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(this.tools.kubectl, [`--kubeconfig=${this.kubeconfig}`, ...args], { maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === "number" ? ((err as { code: number }).code) : 1) : 0;
        resolve({ code, stdout, stderr });
      });
    });
  }

  /** Runs the built kubectl against this cluster from the host; rejects with kubectl's stderr. */
  async kubectl(args: string[], stdin?: string): Promise<string> {
    const run = execFileAsync(this.tools.kubectl, [`--kubeconfig=${this.kubeconfig}`, ...args], { maxBuffer: 64 * 1024 * 1024 });
    if (stdin !== undefined) run.child.stdin?.end(stdin);
    try {
      return (await run).stdout;
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(`kubectl ${args.join(" ")}: ${(e.stderr || e.message).trim()}`, { cause: err });
    }
  }

  /**
   * Stops the API server and closes the door to it: clients then get "connection refused", as
   * with a cluster that is gone.
   */
  async stopApiServer(): Promise<void> {
    await this.daemons.get("kube-apiserver")?.stop();
    if (this.record.forwarder) await stopProcess(this.record.forwarder, 2_000);
  }

  async startApiServer(): Promise<void> {
    this.restart("kube-apiserver");
    await this.startForwarder(this.record.apiserverPort);
    await this.waitApiServer(90_000);
  }

  private restart(name: string): void {
    const d = this.daemons.get(name);
    if (!d) throw new Error(`no ${name} in this cluster`);
    d.start();
    this.record.daemons = this.record.daemons.map((r) => (r.name === name ? { ...r, ...d.record! } : r));
    this.save();
  }

  /**
   * Stops the NetworkPolicy enforcer and removes what it put in the kernel: the cluster then stores
   * policies but enforces none, like a cluster without a policy engine.
   */
  async stopEnforcer(): Promise<void> {
    await this.daemons.get("kube-router")?.stop();
    await flushEnforcerRules((cmd, args, input) => runInNamespaces(this.record.holder, cmd, args, input));
  }

  async startEnforcer(): Promise<void> {
    this.restart("kube-router");
    await new Promise((r) => setTimeout(r, 300));
    this.assertRunning("kube-router");
  }

  /** Runs a command inside the cluster's namespaces (iptables-save, ip, ...). */
  inside(command: string, args: string[]): Promise<string> {
    return runInNamespaces(this.record.holder, command, args);
  }

  /** Tears everything down (see teardown.ts). Safe to call more than once. */
  async stop(opts: { keepLogs?: boolean } = {}): Promise<TeardownResult> {
    const ordered = ["kubelet", "kube-router", "kube-proxy", "kube-scheduler", "kube-controller-manager", "kube-apiserver", "etcd", "containerd"];
    return teardownCluster(this.record, {
      stopInOrder: async () => {
        for (const name of ordered) await this.daemons.get(name)?.stop(2_000);
      },
      keepLogs: opts.keepLogs ?? false,
    });
  }
}

/** The host-side record of one cluster: its folder and processes, for the leftover check. */
export function clusterRecordOf(root: string): ClusterRecord | undefined {
  const file = clusterLayout(root).state;
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as ClusterRecord) : undefined;
}

