/**
 * Processes of the local cluster as Linux sees them (/proc): identity that survives PID reuse, the
 * namespaces a process is in, and the sweep that finds every process a cluster left, whoever
 * started it (containerd's shims and the containers are nobody's children we know of).
 */
import * as fs from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

/** A process we started, recorded so that another run (status, down) can find exactly it again. */
export interface ProcessRecord {
  name: string;
  pid: number;
  /** Field 22 of /proc/PID/stat: with the PID, unique for the machine's uptime. */
  startTime: string;
}

function statFields(pid: number): string[] | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name may hold spaces and parentheses; the fields after its last ')' cannot.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

/** [state, startTime] of a process, undefined when it is gone. */
function stateAndStart(pid: number): [string, string] | undefined {
  const f = statFields(pid);
  return f ? [f[0], f[19]] : undefined;
}

export function processRecord(name: string, pid: number): ProcessRecord {
  const s = stateAndStart(pid);
  if (!s) throw new Error(`${name} (pid ${pid}) exited at once`);
  return { name, pid, startTime: s[1] };
}

/** Still the process we recorded, and not a zombie. */
export function isAlive(record: Pick<ProcessRecord, "pid" | "startTime">): boolean {
  const s = stateAndStart(record.pid);
  return s !== undefined && s[0] !== "Z" && s[0] !== "X" && s[1] === record.startTime;
}

/** "net:[4026532281]": the namespace of a process, comparable across processes. */
export function namespaceOf(pid: number | "self", kind: "net" | "mnt"): string | undefined {
  try {
    return fs.readlinkSync(`/proc/${pid}/ns/${kind}`);
  } catch {
    return undefined;
  }
}

/** What marks a process as the cluster's. */
export interface ClusterMarks {
  netns?: string;
  mntns?: string;
  /** The kubelet's cgroupRoot: every container of the cluster is in a cgroup below it. */
  cgroupRoot: string;
  /** The cluster's folder: the host-side forwarder names it on its command line. */
  root: string;
  /** The forwarder's binary: of the host's processes, only its instances are matched by `root`. */
  forwarderExe: string;
}

function listPids(): number[] {
  return fs
    .readdirSync("/proc")
    .filter((e) => /^\d+$/.test(e))
    .map(Number)
    .filter((p) => p !== process.pid);
}

function belongs(pid: number, marks: ClusterMarks): boolean {
  if (marks.netns !== undefined && namespaceOf(pid, "net") === marks.netns) return true;
  if (marks.mntns !== undefined && namespaceOf(pid, "mnt") === marks.mntns) return true;
  try {
    const cgroups = fs.readFileSync(`/proc/${pid}/cgroup`, "utf8");
    if (cgroups.split("\n").some((l) => l.slice(l.indexOf(":", l.indexOf(":") + 1) + 1).startsWith(`${marks.cgroupRoot}/`))) return true;
    const argv = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    if (argv[0] === marks.forwarderExe && argv.some((a) => a.startsWith(`${marks.root}/`))) return true;
  } catch {
    // gone while we looked
  }
  return false;
}

/** Every live process that belongs to the cluster, with its command name. */
export function clusterProcesses(marks: ClusterMarks): Array<{ pid: number; comm: string }> {
  const out: Array<{ pid: number; comm: string }> = [];
  for (const pid of listPids()) {
    const s = stateAndStart(pid);
    if (!s || s[0] === "Z" || !belongs(pid, marks)) continue;
    let comm = "?";
    try {
      comm = fs.readFileSync(`/proc/${pid}/comm`, "utf8").trim();
    } catch {
      // gone
    }
    out.push({ pid, comm });
  }
  return out;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
export async function stopProcess(record: ProcessRecord, graceMs: number): Promise<void> {
  if (!isAlive(record)) return;
  signal(record.pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (isAlive(record) && Date.now() < deadline) await sleep(50);
  if (isAlive(record)) signal(record.pid, "SIGKILL");
  while (isAlive(record)) await sleep(20);
}

/**
 * Kills every process of the cluster until none is left (containers respawned by a shim included).
 * Returns what was still there after `timeoutMs`, for the error that names it.
 */
export async function killCluster(marks: ClusterMarks, timeoutMs = 20_000): Promise<Array<{ pid: number; comm: string }>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = clusterProcesses(marks);
    if (left.length === 0 || Date.now() > deadline) return left;
    for (const p of left) signal(p.pid, "SIGKILL");
    await sleep(100);
  }
}
