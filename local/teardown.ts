/**
 * Tearing the local cluster down so that the host is as it was, and checking that it is. Every
 * process of the cluster is found from /proc (processes.ts), whoever started it; the mounts die with
 * the cluster's mount namespace; the kubelet's cgroups are removed; the cluster's folder goes.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { ClusterRecord } from "./cluster";
import { clusterProcesses, killCluster, namespaceOf, stopProcess, type ClusterMarks } from "./processes";

export interface TeardownResult {
  /** What is still there afterwards; empty when the host is as it was. */
  leftovers: string[];
}

const CGROUP_FS = "/sys/fs/cgroup";

/** The cluster's cgroup in every hierarchy that has one. */
function clusterCgroups(cgroupRoot: string): string[] {
  if (!fs.existsSync(CGROUP_FS)) return [];
  return fs
    .readdirSync(CGROUP_FS)
    .map((h) => path.join(CGROUP_FS, h, cgroupRoot))
    .filter((d) => fs.existsSync(d));
}

/**
 * The kubelet's cgroupRoot, in every v1 hierarchy (the kubelet refuses a root that is missing from
 * one). A new cpuset cgroup has no CPUs and no memory nodes until given its parent's.
 */
export function createClusterCgroups(cgroupRoot: string): void {
  for (const h of fs.readdirSync(CGROUP_FS)) {
    const parent = path.join(CGROUP_FS, h);
    if (h === "unified" || !fs.existsSync(path.join(parent, "cgroup.procs"))) continue;
    const dir = path.join(parent, cgroupRoot);
    fs.mkdirSync(dir, { recursive: true });
    if (h === "cpuset") {
      for (const f of ["cpuset.cpus", "cpuset.mems"]) fs.writeFileSync(path.join(dir, f), fs.readFileSync(path.join(parent, f)));
    }
  }
}

/** rmdir, deepest first: a cgroup can only go once it has no children and no tasks. */
function removeCgroupTree(dir: string): void {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) removeCgroupTree(path.join(dir, entry.name));
  }
  fs.rmdirSync(dir);
}

/** Mount points at or below `root` in the host's mount namespace (there should be none). */
function mountsUnder(root: string): string[] {
  return fs
    .readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .map((l) => l.split(" ")[4])
    .filter((m): m is string => m !== undefined && (m === root || m.startsWith(`${root}/`)));
}

export function marksOf(record: ClusterRecord): ClusterMarks {
  return { netns: record.netns, mntns: record.mntns, cgroupRoot: record.cgroupRoot, root: record.root, forwarderExe: record.forwarderExe };
}

/** What of this cluster is still on the host: processes, cgroups, mounts, its folder. */
export function clusterLeftovers(record: ClusterRecord, opts: { folderKept: boolean }): string[] {
  const left: string[] = [];
  const procs = clusterProcesses(marksOf(record));
  if (procs.length > 0) left.push(`processes: ${procs.map((p) => `${p.comm} (${p.pid})`).join(", ")}`);
  const cgroups = clusterCgroups(record.cgroupRoot);
  if (cgroups.length > 0) left.push(`cgroups: ${cgroups.join(", ")}`);
  const mounts = mountsUnder(record.root);
  if (mounts.length > 0) left.push(`mounts: ${mounts.join(", ")}`);
  if (!opts.folderKept && fs.existsSync(record.root)) left.push(`folder: ${record.root}`);
  return left;
}

/**
 * Stops the components in order (briefly: a throw-away cluster has nothing to save), kills what is
 * left, removes the cgroups and the folder (its logs/ stay when `keepLogs`). Never throws for a
 * piece that is already gone; reports what could not be removed.
 */
export async function teardownCluster(record: ClusterRecord, opts: { stopInOrder: () => Promise<void>; keepLogs: boolean }): Promise<TeardownResult> {
  const problems: string[] = [];
  try {
    await opts.stopInOrder();
  } catch (err) {
    problems.push(`stopping the components: ${(err as Error).message}`);
  }
  if (record.forwarder) await stopProcess(record.forwarder, 1_000);
  const survivors = await killCluster(marksOf(record));
  if (survivors.length > 0) problems.push(`could not kill: ${survivors.map((p) => `${p.comm} (${p.pid})`).join(", ")}`);
  for (const dir of clusterCgroups(record.cgroupRoot)) {
    try {
      removeCgroupTree(dir);
    } catch (err) {
      problems.push(`cgroup ${dir}: ${(err as Error).message}`);
    }
  }
  if (mountsUnder(record.root).length === 0) {
    const keep = opts.keepLogs ? new Set(["logs"]) : new Set<string>();
    // force, and rm rather than rmdir: a second teardown of the same cluster (a signal during a
    // failing start) may be removing the same files.
    if (fs.existsSync(record.root)) {
      for (const entry of fs.readdirSync(record.root)) if (!keep.has(entry)) fs.rmSync(path.join(record.root, entry), { recursive: true, force: true });
      if (!opts.keepLogs) fs.rmSync(record.root, { recursive: true, force: true });
    }
  }
  const leftovers = clusterLeftovers(record, { folderKept: opts.keepLogs });
  return { leftovers: [...problems.filter((p) => !leftovers.some((l) => p.includes(l))), ...leftovers] };
}

/**
 * What of the host a cluster could change: processes of the cluster's programs in the host's mount
 * namespace, named network namespaces,
 * the paths kubelet, containerd and the CNI plugins use by default, the cluster cgroups, mounts.
 * Taken before and after, the two must be equal.
 */
export interface HostSnapshot {
  processes: string[];
  netns: string[];
  paths: string[];
  cgroups: string[];
  mounts: number;
}

const CLUSTER_PROGRAMS = new Set(["etcd", "kube-apiserver", "kube-controller", "kube-scheduler", "containerd", "containerd-shim", "kubelet", "kube-proxy", "kube-router", "coredns", "netns-forward", "pause"]);
const DEFAULT_PATHS = ["/run/containerd", "/run/netns", "/var/lib/cni", "/var/lib/kubelet", "/var/lib/containerd", "/var/log/pods", "/var/log/containers", "/etc/cni/net.d"];

export function hostSnapshot(): HostSnapshot {
  const processes: string[] = [];
  // The host's own mount namespace: another local cluster's processes (each in its cluster's
  // namespaces) come and go on their own and are not the host's.
  const host = namespaceOf("self", "mnt");
  for (const e of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const comm = fs.readFileSync(`/proc/${e}/comm`, "utf8").trim();
      // A zombie has let go of everything; the machine's init reaps it.
      if (/^\d+ \(.*\) Z /.test(fs.readFileSync(`/proc/${e}/stat`, "utf8"))) continue;
      if ((CLUSTER_PROGRAMS.has(comm) || comm.startsWith("containerd-shim")) && namespaceOf(Number(e), "mnt") === host) processes.push(`${comm} (${e})`);
    } catch {
      // gone
    }
  }
  const netns = fs.existsSync("/run/netns") ? fs.readdirSync("/run/netns").sort() : [];
  const paths = DEFAULT_PATHS.filter((p) => fs.existsSync(p)).map((p) => (fs.statSync(p).isDirectory() ? `${p}/ (${fs.readdirSync(p).length} entries)` : p));
  const cgroups = fs.existsSync(CGROUP_FS)
    ? fs.readdirSync(CGROUP_FS).flatMap((h) => {
        try {
          return fs.readdirSync(path.join(CGROUP_FS, h)).filter((c) => c.startsWith("prices-api-netpol-") || c === "kubepods").map((c) => `${h}/${c}`);
        } catch {
          return [];
        }
      })
    : [];
  const mounts = fs.readFileSync("/proc/self/mountinfo", "utf8").trim().split("\n").length;
  return { processes: processes.sort(), netns, paths, cgroups: cgroups.sort(), mounts };
}

/** What differs between two snapshots, as lines a person reads. */
export function snapshotDifferences(before: HostSnapshot, after: HostSnapshot): string[] {
  const diff: string[] = [];
  const list = (what: string, a: string[], b: string[]) => {
    const added = b.filter((x) => !a.includes(x));
    const removed = a.filter((x) => !b.includes(x));
    if (added.length > 0) diff.push(`${what} added: ${added.join(", ")}`);
    if (removed.length > 0) diff.push(`${what} gone: ${removed.join(", ")}`);
  };
  list("processes", before.processes, after.processes);
  list("network namespaces", before.netns, after.netns);
  list("paths", before.paths, after.paths);
  list("cgroups", before.cgroups, after.cgroups);
  if (before.mounts !== after.mounts) diff.push(`mounts: ${before.mounts} before, ${after.mounts} after`);
  return diff;
}
