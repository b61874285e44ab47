/**
 * The real tools of the local cluster and the e2e, as built by e2e/tools/build.sh at the versions
 * pinned in e2e/tools/versions.env. This file only finds them (and asks the script to build what is
 * missing); the script checks every binary's sha256 against what it recorded at build time.
 */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

export const TOOLS_DIR = path.join(__dirname, "..", "e2e", "tools");
const BUILD_SCRIPT = path.join(TOOLS_DIR, "build.sh");

export type ToolName = "pulumi" | "kubernetes-provider" | "etcd" | "kubernetes" | "coredns" | "kube-router" | "programs" | "images";
const TOOL_NAMES: readonly ToolName[] = ["pulumi", "kubernetes-provider", "etcd", "kubernetes", "coredns", "kube-router", "programs", "images"];

/** Images of the local cluster, built by e2e/tools/images.sh: docker-archive tars and their names. */
export interface LocalImages {
  pause: string;
  curl: string;
  pricesApiStandin: string;
  agnhost: string;
  coredns: string;
  /** The tar of each image, imported into containerd when a cluster starts. */
  archives: string[];
}

export interface ClusterTools {
  versions: Readonly<Record<string, string>>;
  /** The folder holding the `pulumi` binary; it goes first on PATH. */
  pulumiBinDir: string;
  pulumi: string;
  kubernetesProvider: string;
  kubeApiserver: string;
  kubeControllerManager: string;
  kubeScheduler: string;
  kubectl: string;
  kubelet: string;
  kubeProxy: string;
  etcd: string;
  coredns: string;
  kubeRouter: string;
  /** Ours: makes the API server inside the cluster's network namespace reachable on host loopback. */
  netnsForward: string;
  images: LocalImages;
}

/** KEY=VALUE lines of a file (comments and blank lines skipped). */
function readEnvFile(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of fs.readFileSync(file, "utf8").split("\n")) {
    const m = /^([A-Z0-9_]+)=(\S+)\s*$/.exec(line.trim());
    if (m) out[m[1]] = m[2];
  }
  return out;
}

/** The pinned versions (versions.env). */
export function readVersions(): Record<string, string> {
  return readEnvFile(path.join(TOOLS_DIR, "versions.env"));
}

function binDirs(): Record<ToolName, string> {
  const res = spawnSync("bash", [BUILD_SCRIPT, "--print-bin-dirs", ...TOOL_NAMES], { encoding: "utf8" });
  if (res.status !== 0) throw new Error(`${BUILD_SCRIPT} --print-bin-dirs failed: ${res.stderr.trim() || res.error?.message}`);
  const dirs = res.stdout.trim().split("\n");
  return Object.fromEntries(TOOL_NAMES.map((t, i) => [t, dirs[i]])) as Record<ToolName, string>;
}

/**
 * Builds what is missing and checks what is cached (sha256 of every binary). The script's progress,
 * its heartbeat during a long build included, goes to `log` line by line as it comes; rejects with
 * an Error naming the tools that could not be built, or refused.
 */
export function buildTools(log: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [BUILD_SCRIPT], { stdio: ["ignore", "inherit", "pipe"] });
    let rest = "";
    let failed: string | undefined;
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => {
      const lines = (rest + chunk).split("\n");
      rest = lines.pop() ?? "";
      for (const line of lines) {
        failed = /could not build: (.*)/.exec(line)?.[1] ?? failed;
        log(line);
      }
    });
    child.on("error", reject);
    child.on("close", (code, signal) => {
      if (rest) log(rest);
      if (code === 0) resolve();
      else reject(new Error(`tools: ${failed ? `could not build ${failed}` : `${BUILD_SCRIPT} exited ${code ?? signal}`}; see the build output above`));
    });
  });
}

/** The cached tools; throws an Error naming every missing binary and the command that builds it. */
export function locateTools(): ClusterTools {
  const dirs = binDirs();
  const missing: string[] = [];
  const at = (tool: ToolName, file: string): string => {
    const p = path.join(dirs[tool], file);
    if (!fs.existsSync(p)) missing.push(`${file} (${tool}) at ${p}`);
    return p;
  };
  const imagesEnv = at("images", "images.env");
  const tools = {
    versions: readVersions(),
    pulumiBinDir: dirs.pulumi,
    pulumi: at("pulumi", "pulumi"),
    kubernetesProvider: at("kubernetes-provider", "pulumi-resource-kubernetes"),
    kubeApiserver: at("kubernetes", "kube-apiserver"),
    kubeControllerManager: at("kubernetes", "kube-controller-manager"),
    kubeScheduler: at("kubernetes", "kube-scheduler"),
    kubectl: at("kubernetes", "kubectl"),
    kubelet: at("kubernetes", "kubelet"),
    kubeProxy: at("kubernetes", "kube-proxy"),
    etcd: at("etcd", "etcd"),
    coredns: at("coredns", "coredns"),
    kubeRouter: at("kube-router", "kube-router"),
    netnsForward: at("programs", "netns-forward"),
  };
  if (missing.length > 0) throw new Error(`tools missing: ${missing.join("; ")}. Build them with: bash e2e/tools/build.sh`);
  const names = readEnvFile(imagesEnv);
  const image = (key: string) => {
    const ref = names[key];
    if (!ref) throw new Error(`${imagesEnv} names no ${key}; rebuild the images: rm -rf ${dirs.images} && bash e2e/tools/build.sh images`);
    return ref;
  };
  const images: LocalImages = {
    pause: image("IMAGE_PAUSE"),
    curl: image("IMAGE_CURL"),
    pricesApiStandin: image("IMAGE_PRICES_API_STANDIN"),
    agnhost: image("IMAGE_AGNHOST"),
    coredns: image("IMAGE_COREDNS"),
    archives: ["pause", "curl", "prices-api-standin", "agnhost", "coredns"].map((n) => path.join(dirs.images, `${n}.tar`)),
  };
  return { ...tools, images };
}
