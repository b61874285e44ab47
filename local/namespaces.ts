/**
 * The local cluster's own network and mount namespaces. A holder process (`sleep infinity` under
 * `unshare`) keeps them alive; every component is started inside them with nsenter. Then:
 * - no packet can leave the machine: the namespace's only interface besides loopback is a bridge
 *   with no ports, and nothing the cluster does to iptables, ipset or routes touches the host;
 * - the paths kubelet, containerd and the CNI plugins hard-code (/run/containerd, /run/netns,
 *   /var/lib/kubelet, /var/lib/cni, /var/log/pods, ...) are the cluster's own folders, bind-mounted
 *   over /run, /var/lib and /var/log inside; every mount the cluster makes lives and dies with the
 *   mount namespace, so the host never sees one.
 */
import { execFile, spawn } from "node:child_process";
import * as fs from "node:fs";
import { promisify } from "node:util";
import { waitFor } from "./daemon";
import { NETWORK, type ClusterLayout } from "./nodeConfig";
import { namespaceOf, processRecord, type ProcessRecord } from "./processes";

const execFileAsync = promisify(execFile);

/** The command line that runs `command args` inside the cluster's namespaces. */
export function inNamespaces(holder: ProcessRecord, command: string, args: readonly string[]): { command: string; args: string[] } {
  // Not `ip netns exec`: that remounts /sys and hides /sys/fs/cgroup from kubelet and runc.
  return { command: "nsenter", args: [`--target=${holder.pid}`, "--net", "--mount", "--", command, ...args] };
}

/** Runs a short command inside the namespaces; rejects with its stderr. */
export async function runInNamespaces(holder: ProcessRecord, command: string, args: readonly string[], input?: string): Promise<string> {
  const c = inNamespaces(holder, command, args);
  const run = execFileAsync(c.command, c.args, { maxBuffer: 64 * 1024 * 1024 });
  if (input !== undefined) run.child.stdin?.end(input);
  try {
    return (await run).stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${command} ${args.join(" ")} (inside the cluster's namespaces): ${(e.stderr || e.message).trim()}`, { cause: err });
  }
}

/** Folders the bind mounts would hide inside the namespaces: the cluster's own files cannot live there. */
const SHADOWED = ["/run", "/var/run", "/var/lib", "/var/log"];

export function checkClusterFolder(root: string): void {
  const hidden = SHADOWED.find((d) => root === d || root.startsWith(`${d}/`));
  if (hidden) throw new Error(`the cluster's folder ${root} is under ${hidden}, which the cluster's mount namespace replaces; choose another (PRICES_API_NETPOL_LOCAL_DIR)`);
  // containerd's socket lives there, and a unix socket path has at most 107 bytes.
  if (Buffer.byteLength(`${root}/containerd.sock`) > 100) throw new Error(`the cluster's folder ${root} is too long for a unix socket path; choose a shorter one`);
}

/**
 * Starts the holder and sets the namespaces up: loopback, the node bridge with the node's address
 * and the default route into it, forwarding and bridge netfilter (kube-proxy and the enforcer see
 * bridged pod traffic), and the bind mounts.
 */
export async function createNamespaces(layout: ClusterLayout): Promise<ProcessRecord> {
  for (const d of [layout.runDir, layout.varLibDir, layout.varLogDir]) fs.mkdirSync(d, { recursive: true });
  const holderLog = fs.openSync(`${layout.logs}/namespace-holder.log`, "a");
  const child = spawn("unshare", ["--net", "--mount", "--propagation", "private", "--", "sleep", "infinity"], { detached: true, stdio: ["ignore", holderLog, holderLog] });
  fs.closeSync(holderLog);
  child.unref();
  if (child.pid === undefined) throw new Error("could not start unshare (util-linux) to create the cluster's namespaces");
  const holder = processRecord("namespace-holder", child.pid);
  const hostNet = namespaceOf("self", "net");
  const script = [
    "set -e",
    // Shared inside, so the kubelet's volume mounts reach the containers; private towards the host.
    "mount --make-rshared /",
    `mount --bind ${layout.runDir} /run`,
    `mount --bind ${layout.varLibDir} /var/lib`,
    `mount --bind ${layout.varLogDir} /var/log`,
    "mkdir -p /run/netns /var/lib/kubelet /var/lib/cni /var/log/pods /var/log/containers",
    "ip link set lo up",
    `ip link add ${NETWORK.nodeBridge} type bridge`,
    `ip addr add ${NETWORK.nodeCidr} dev ${NETWORK.nodeBridge}`,
    `ip link set ${NETWORK.nodeBridge} up`,
    `ip route add default dev ${NETWORK.nodeBridge}`,
    "sysctl -qw net.ipv4.ip_forward=1",
    "sysctl -qw net.bridge.bridge-nf-call-iptables=1",
  ].join("\n");
  try {
    await waitFor("the cluster's network namespace", 5_000, async () => {
      const ns = namespaceOf(holder.pid, "net");
      if (ns === undefined) throw new Error(`unshare exited: ${fs.readFileSync(`${layout.logs}/namespace-holder.log`, "utf8").trim()}`);
      return ns !== hostNet ? true : undefined;
    }, 20);
    await runInNamespaces(holder, "sh", ["-c", script]);
  } catch (err) {
    // Nothing else lives in the namespaces yet: with the holder they are gone.
    process.kill(holder.pid, "SIGKILL");
    throw err;
  }
  return holder;
}
