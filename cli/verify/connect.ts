/**
 * Which cluster verify talks to, and the "no cluster reachable: ..." messages when there is none.
 * Order: --kubeconfig; else the stack's kubeconfig output (clusterMode aks, via the Automation
 * API and so the Pulumi CLI); else the ambient kubeconfig (KUBECONFIG or ~/.kube/config).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import type { StackConfig } from "../../core/config";
import { ambientKubeconfigFiles } from "../../core/kubeContexts";
import { KubeconfigError, kubeconfigFromStackOutput } from "../../core/stack/kubeconfig";
import { pulumiErrorText } from "../pulumiError";
import { PULUMI_INSTALL_URL } from "../pulumiInstall";
import { httpStatus, isKubernetesAnswer, networkCode } from "./kubeClient";

/** Verify cannot reach any cluster; the message says what is missing. Exit 1. */
export class NoClusterError extends Error {
  constructor(detail: string) {
    super(`no cluster reachable: ${detail}`);
    this.name = "NoClusterError";
  }
}

export interface Connection {
  kubeConfig: KubeConfig;
  /** For the first progress line, e.g. "context kind-netpol (https://127.0.0.1:6443) from ~/.kube/config". */
  description: string;
  /** Where the kubeconfig came from, e.g. "kubeconfig /home/me/.kube/config". */
  source: string;
}

/** Reads the kubeconfig output of a stack (the Automation API by default; tests pass their own). */
export type StackKubeconfigReader = (stack: string) => Promise<string>;

export interface ConnectRequest {
  stack?: string;
  /** The stack's validated config; absent when only a kubeconfig is given. */
  config?: StackConfig;
  kubeconfig?: string;
  context?: string;
  projectDir: string;
  env: NodeJS.ProcessEnv;
  stackKubeconfig?: StackKubeconfigReader;
}

/** Whether an executable is on PATH (or in ~/.pulumi/bin, where the installer puts pulumi). */
export function findOnPath(command: string, env: NodeJS.ProcessEnv): string | undefined {
  const dirs = (env.PATH ?? "").split(path.delimiter).filter(Boolean);
  dirs.push(path.join(env.HOME ?? os.homedir(), ".pulumi", "bin"));
  const names = process.platform === "win32" ? [`${command}.exe`, `${command}.cmd`] : [command];
  for (const dir of dirs) {
    for (const name of names) {
      const candidate = path.join(dir, name);
      try {
        fs.accessSync(candidate, fs.constants.X_OK);
        return candidate;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

/** The `kubeconfig` output of a stack, through the Automation API (so the Pulumi CLI). As it is, from state: rebuild it before use. */
export async function stackKubeconfig(stack: string, projectDir: string, env: NodeJS.ProcessEnv): Promise<string> {
  if (!findOnPath("pulumi", env)) {
    throw new NoClusterError(
      `reading the kubeconfig output of stack ${stack} needs the Pulumi CLI, which is not on PATH ` +
        `(install it: ${PULUMI_INSTALL_URL}), or pass --kubeconfig FILE`,
    );
  }
  // Loaded lazily: the Automation API pulls in the whole Pulumi SDK, which the other paths never need.
  const { LocalWorkspace } = await import("@pulumi/pulumi/automation/index.js");
  let outputs: Record<string, { value: unknown }>;
  try {
    const s = await LocalWorkspace.selectStack({ stackName: stack, workDir: projectDir });
    outputs = await s.outputs();
  } catch (err) {
    throw new NoClusterError(`could not read the outputs of stack ${stack}: ${pulumiErrorText(err, stack)}`);
  }
  const value = outputs["kubeconfig"]?.value;
  if (typeof value !== "string" || value.trim() === "") {
    throw new NoClusterError(`stack ${stack} has no kubeconfig output; is it deployed (pulumi up -s ${stack})?`);
  }
  return value;
}

/**
 * Why kubeconfig text could not be loaded, naming `where` and, for YAML, the line and column only:
 * the parser's own message quotes the offending lines, and a kubeconfig's lines hold tokens and keys.
 */
export function kubeconfigProblem(err: unknown, where: string): string {
  if ((err as Error)?.name === "YAMLException") {
    const mark = (err as { mark?: { line?: unknown; column?: unknown } }).mark;
    const at = typeof mark?.line === "number" && typeof mark.column === "number" ? ` (line ${mark.line + 1}, column ${mark.column + 1})` : "";
    return `${where} is not valid YAML${at}`;
  }
  // The client's own checks ("clusters[0].cluster.server is missing") name fields, never values.
  return `${where} is not a valid kubeconfig: ${(err instanceof Error ? err.message : String(err)).split("\n")[0]}`;
}

function loadKubeconfig(text: string, where: string): KubeConfig {
  const kc = new KubeConfig();
  try {
    kc.loadFromString(text);
  } catch (err) {
    throw new NoClusterError(kubeconfigProblem(err, where));
  }
  return kc;
}

/** A stack output is state, which its writers control: rebuilt so that no command of it runs (core/stack/kubeconfig). */
export function stackKubeconfigRebuilt(text: string, where: string): string {
  try {
    return kubeconfigFromStackOutput(text);
  } catch (err) {
    if (err instanceof KubeconfigError) throw new NoClusterError(`${where} ${err.problem}`);
    throw err;
  }
}

function readKubeconfigFile(file: string): KubeConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new NoClusterError(`kubeconfig ${file} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (text.trim() === "") {
    throw new NoClusterError(`kubeconfig ${file} is empty: did \`pulumi stack output kubeconfig --show-secrets\` fail when it was written?`);
  }
  return loadKubeconfig(text, `kubeconfig ${file}`);
}

function useContext(kc: KubeConfig, context: string | undefined, where: string): void {
  if (context !== undefined) {
    const names = kc.getContexts().map((c) => c.name);
    if (!names.includes(context)) {
      throw new NoClusterError(`${where} has no context ${JSON.stringify(context)} (it has: ${names.join(", ") || "none"})`);
    }
    kc.setCurrentContext(context);
  }
  if (!kc.getCurrentContext() || !kc.getCurrentCluster()) {
    throw new NoClusterError(`${where} has no current context with a cluster; pass --context NAME`);
  }
}

/** Resolves the kubeconfig to use, or throws NoClusterError naming what is missing. Makes no API call. */
export async function connect(req: ConnectRequest): Promise<Connection> {
  let kc: KubeConfig;
  let where: string;
  let context = req.context;
  if (req.kubeconfig !== undefined) {
    if (!fs.existsSync(req.kubeconfig)) throw new NoClusterError(`kubeconfig ${req.kubeconfig} does not exist`);
    kc = readKubeconfigFile(req.kubeconfig);
    where = `kubeconfig ${req.kubeconfig}`;
  } else if (req.stack !== undefined && req.config?.clusterMode === "aks") {
    const stack = req.stack;
    where = `the kubeconfig output of stack ${stack}`;
    const read = req.stackKubeconfig ?? ((name: string) => stackKubeconfig(name, req.projectDir, req.env));
    kc = loadKubeconfig(stackKubeconfigRebuilt(await read(stack), where), where);
  } else {
    const files = ambientKubeconfigFiles(req.env);
    if (files.length === 0) {
      const tried = req.env.KUBECONFIG ? `KUBECONFIG=${req.env.KUBECONFIG} names no existing file` : "KUBECONFIG is unset and ~/.kube/config does not exist";
      throw new NoClusterError(`no kubeconfig (${tried}); create a cluster (docs/local.md) or pass --kubeconfig FILE`);
    }
    // Several files merge as kubectl merges them; the first file's current-context wins.
    kc = readKubeconfigFile(files[0]);
    for (const extra of files.slice(1)) kc.mergeConfig(readKubeconfigFile(extra), true);
    where = `kubeconfig ${files.join(path.delimiter)}`;
    context ??= req.config?.kubeContext;
  }
  useContext(kc, context, where);
  return { kubeConfig: kc, source: where, description: `context ${kc.getCurrentContext()} (${kc.getCurrentCluster()!.server}) from ${where}` };
}

const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "DNS lookup failed",
  ETIMEDOUT: "timed out",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  ECONNRESET: "connection reset",
  DEPTH_ZERO_SELF_SIGNED_CERT: "untrusted certificate",
  SELF_SIGNED_CERT_IN_CHAIN: "untrusted certificate",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "untrusted certificate",
  ERR_TLS_CERT_ALTNAME_INVALID: "certificate does not match the server name",
};

/**
 * Turns the error of the first API call into NoClusterError when it means "no cluster here",
 * and returns undefined for anything else (which is then reported as it is).
 */
export function unreachable(err: unknown, connection: Connection): NoClusterError | undefined {
  const server = connection.kubeConfig.getCurrentCluster()?.server ?? "the API server";
  const code = networkCode(err);
  if (code && NETWORK_CODES[code]) return new NoClusterError(`${NETWORK_CODES[code]} at ${server} (context ${connection.kubeConfig.getCurrentContext()} from ${connection.source})`);
  const status = httpStatus(err);
  if (status !== undefined && !isKubernetesAnswer(err)) {
    return new NoClusterError(`${server} did not answer like a Kubernetes API server (HTTP ${status}); check the server of context ${connection.kubeConfig.getCurrentContext()} in ${connection.source}`);
  }
  if (status === 401 || status === 403) {
    return new NoClusterError(`${server} rejected the credentials of context ${connection.kubeConfig.getCurrentContext()} (HTTP ${status})`);
  }
  return undefined;
}
