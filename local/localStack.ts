/**
 * The `local` stack on the local cluster with the real Pulumi engine: a working copy of the
 * project, a file backend beside it, the locally built Kubernetes provider, and `up` through the
 * Automation API (local/programHost.ts says why).
 */
import * as path from "node:path";
import { copyProject, pulumiEnvironment, run, runProgram, type CommandResult } from "./pulumi";
import type { ClusterTools } from "./tools";

export const LOCAL_STACK = "local";

export interface StackWorkspace {
  tools: ClusterTools;
  /** The working copy of the project the stack runs in (stack files change there, not in the repo). */
  projectDir: string;
  env: NodeJS.ProcessEnv;
  logFile: string;
}

/** A workspace in `dir` (created), targeting the cluster behind `kubeconfig`. */
export function stackWorkspace(tools: ClusterTools, repo: string, dir: string, kubeconfig: string): StackWorkspace {
  const projectDir = path.join(dir, "project");
  copyProject(repo, projectDir);
  return { tools, projectDir, env: pulumiEnvironment(tools, dir, kubeconfig), logFile: path.join(dir, "commands.log") };
}

export function pulumi(ws: StackWorkspace, args: string[], cwd = ws.projectDir): Promise<CommandResult> {
  return run("pulumi", args, { cwd, env: ws.env, logFile: ws.logFile });
}

function lastLines(res: CommandResult, n = 12): string {
  return res.output.trimEnd().split("\n").slice(-n).join("\n");
}

/** Throws with the end of the command's output unless it exited 0. */
export function mustSucceed<T extends CommandResult>(res: T, what: string, failure: new (message: string) => Error = Error): T {
  if (res.code !== 0) throw new failure(`${what} exited ${res.code}:\n${lastLines(res)}`);
  return res;
}

/** The provider plugin from its local build, and the stack (created when the backend lacks it). */
export async function prepareStack(ws: StackWorkspace, stack = LOCAL_STACK): Promise<{ created: boolean }> {
  const version = ws.tools.versions.PULUMI_KUBERNETES_VERSION;
  mustSucceed(await pulumi(ws, ["plugin", "install", "resource", "kubernetes", version, "--file", ws.tools.kubernetesProvider]), "pulumi plugin install");
  const ls = mustSucceed(await pulumi(ws, ["stack", "ls", "--json"]), "pulumi stack ls");
  const exists = (JSON.parse(ls.stdout) as Array<{ name: string }>).some((s) => s.name === stack);
  if (!exists) mustSucceed(await pulumi(ws, ["stack", "init", stack, "--secrets-provider", "passphrase"]), "pulumi stack init");
  return { created: !exists };
}

/** `up` of the stack's program; the engine's output goes to `onOutput` as it comes. */
export async function upStack(ws: StackWorkspace, onOutput?: (text: string) => void, stack = LOCAL_STACK): Promise<CommandResult> {
  return runProgram({ projectDir: ws.projectDir, stack, operation: "up" }, ws.tools, ws.env, ws.logFile, onOutput);
}
