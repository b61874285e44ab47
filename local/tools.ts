/**
 * The real tools of the e2e, as built by e2e/tools/build.sh at the versions pinned in
 * e2e/tools/versions.env. This file only finds them (and asks the script to build what is missing).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

export const TOOLS_DIR = path.join(__dirname, "tools");
const BUILD_SCRIPT = path.join(TOOLS_DIR, "build.sh");

export type ToolName = "pulumi" | "kubernetes-provider" | "etcd" | "kwok" | "kubernetes";
const TOOL_NAMES: readonly ToolName[] = ["pulumi", "kubernetes-provider", "etcd", "kwok", "kubernetes"];

export interface E2eTools {
  versions: Readonly<Record<string, string>>;
  /** The folder holding the `pulumi` binary; it goes first on PATH. */
  pulumiBinDir: string;
  pulumi: string;
  kubernetesProvider: string;
  kubeApiserver: string;
  kubeControllerManager: string;
  kubeScheduler: string;
  kubectl: string;
  etcd: string;
  kwok: string;
  /** kwok's lifecycle stages (ready nodes, ready pods, deleted pods removed). */
  kwokStages: string;
}

/** KEY=VALUE lines of versions.env (comments and blank lines skipped). */
export function readVersions(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of fs.readFileSync(path.join(TOOLS_DIR, "versions.env"), "utf8").split("\n")) {
    const m = /^([A-Z0-9_]+)=(\S+)\s*$/.exec(line.trim());
    if (m) out[m[1]] = m[2];
  }
  return out;
}

function binDirs(): Record<ToolName, string> {
  const res = spawnSync("bash", [BUILD_SCRIPT, "--print-bin-dirs", ...TOOL_NAMES], { encoding: "utf8" });
  if (res.status !== 0) throw new Error(`${BUILD_SCRIPT} --print-bin-dirs failed: ${res.stderr.trim() || res.error?.message}`);
  const dirs = res.stdout.trim().split("\n");
  return Object.fromEntries(TOOL_NAMES.map((t, i) => [t, dirs[i]])) as Record<ToolName, string>;
}

/**
 * Builds what is missing (a no-op when every tool is cached). The script's progress (stderr) is
 * printed when it ends, since it names the tools that failed; throws an Error naming them.
 */
export function buildTools(): void {
  const res = spawnSync("bash", [BUILD_SCRIPT], { stdio: ["ignore", "inherit", "pipe"], encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  if (res.stderr) process.stderr.write(res.stderr);
  if (res.status !== 0) {
    const failed = /could not build: (.*)/.exec(res.stderr ?? "")?.[1];
    throw new Error(`e2e tools: ${failed ? `could not build ${failed}` : `${BUILD_SCRIPT} exited ${res.status ?? res.signal}`}; see the build output above`);
  }
}

/** The cached tools; throws an Error naming every missing binary and the command that builds it. */
export function locateTools(): E2eTools {
  const dirs = binDirs();
  const missing: string[] = [];
  const at = (tool: ToolName, file: string): string => {
    const p = path.join(dirs[tool], file);
    if (!fs.existsSync(p)) missing.push(`${file} (${tool}) at ${p}`);
    return p;
  };
  const tools: E2eTools = {
    versions: readVersions(),
    pulumiBinDir: dirs.pulumi,
    pulumi: at("pulumi", "pulumi"),
    kubernetesProvider: at("kubernetes-provider", "pulumi-resource-kubernetes"),
    kubeApiserver: at("kubernetes", "kube-apiserver"),
    kubeControllerManager: at("kubernetes", "kube-controller-manager"),
    kubeScheduler: at("kubernetes", "kube-scheduler"),
    kubectl: at("kubernetes", "kubectl"),
    etcd: at("etcd", "etcd"),
    kwok: at("kwok", "kwok"),
    kwokStages: at("kwok", "kwok-stages.yaml"),
  };
  if (missing.length > 0) throw new Error(`e2e tools missing: ${missing.join("; ")}. Build them with: bash e2e/tools/build.sh`);
  return tools;
}
