/**
 * The real Pulumi CLI for `npm run local` and the e2e: an environment that never downloads and
 * keeps everything (file backend, PULUMI_HOME) in one folder, the CLI itself, programs run through
 * local/programHost.ts, and the working copy of the project they run in.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { ProgramResult, ProgramSpec } from "./programHost";
import type { ClusterTools } from "./tools";


export interface CommandResult {
  code: number;
  /** stdout and stderr interleaved, as a person would have seen them. */
  output: string;
  stdout: string;
}

/**
 * Pulumi's environment: a file backend and a PULUMI_HOME in `dir`, a passphrase of its own (made
 * once, kept in `dir`), no update checks and no plugin downloads; the built CLI first on PATH; the
 * local cluster as the only kubeconfig.
 */
export function pulumiEnvironment(tools: ClusterTools, dir: string, kubeconfig: string): NodeJS.ProcessEnv {
  const home = path.join(dir, "pulumi-home");
  const state = path.join(dir, "state");
  fs.mkdirSync(home, { recursive: true });
  fs.mkdirSync(state, { recursive: true });
  const passphraseFile = path.join(dir, "passphrase");
  if (!fs.existsSync(passphraseFile)) fs.writeFileSync(passphraseFile, `${randomBytes(18).toString("base64url")}\n`, { mode: 0o600 });
  return {
    ...process.env,
    // The built kubectl too: `npm run check` runs kubectl, and the local cluster is its version.
    PATH: [tools.pulumiBinDir, path.dirname(tools.kubectl), path.join(__dirname, "shims"), process.env.PATH ?? ""].join(path.delimiter),
    PULUMI_HOME: home,
    PULUMI_BACKEND_URL: `file://${state}`,
    PULUMI_CONFIG_PASSPHRASE: undefined,
    PULUMI_CONFIG_PASSPHRASE_FILE: passphraseFile,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_SKIP_CONFIRMATIONS: "true",
    PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "false",
    KUBECONFIG: kubeconfig,
    NO_COLOR: "1",
  };
}

const running = new Set<ChildProcess>();

/** Interrupts every command still running (Ctrl-C of the e2e), so none outlives the cluster. */
export function interruptRunningCommands(): void {
  for (const child of running) child.kill("SIGINT");
}

/** Runs a command to completion, capturing its output (and appending it to `logFile`); `onOutput` sees it as it comes. */
export function run(command: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; logFile: string; onOutput?: (text: string) => void }): Promise<CommandResult> {
  return new Promise((resolve) => {
    fs.appendFileSync(opts.logFile, `\n$ ${[command, ...args].join(" ")}\n`);
    const child = spawn(command, args, { cwd: opts.cwd, env: opts.env, stdio: ["pipe", "pipe", "pipe"] });
    running.add(child);
    child.once("close", () => running.delete(child));
    let output = "";
    let stdout = "";
    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stdout.on("data", (d: string) => {
      stdout += d;
      output += d;
      fs.appendFileSync(opts.logFile, d);
      opts.onOutput?.(d);
    });
    child.stderr.on("data", (d: string) => {
      output += d;
      fs.appendFileSync(opts.logFile, d);
      opts.onOutput?.(d);
    });
    child.stdin.end();
    child.on("error", (err) => resolve({ code: 127, output: `${output}${err.message}\n`, stdout }));
    child.on("close", (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), output, stdout }));
  });
}

/** `preview` or `up` of a program through the Automation API (see programHost.ts for why). */
export async function runProgram(
  spec: Omit<ProgramSpec, "resultFile" | "pulumiRoot">,
  tools: ClusterTools,
  env: NodeJS.ProcessEnv,
  logFile: string,
  onOutput?: (text: string) => void,
): Promise<CommandResult & { result?: ProgramResult }> {
  const resultFile = path.join(path.dirname(logFile), `result-${process.hrtime.bigint()}.json`);
  const full: ProgramSpec = { ...spec, resultFile, pulumiRoot: path.dirname(tools.pulumiBinDir) };
  const res = await run(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(__dirname, "programHost.ts"), JSON.stringify(full)], {
    cwd: spec.projectDir,
    env,
    logFile,
    onOutput,
  });
  if (!fs.existsSync(resultFile)) return res;
  const result = JSON.parse(fs.readFileSync(resultFile, "utf8")) as ProgramResult;
  return { ...res, result };
}

/** The stack files the repository ships; a developer's own (Pulumi.<mine>.yaml) stay out of the copy. */
const SHIPPED_STACK_FILES = new Set(["Pulumi.local.yaml", "Pulumi.kind.yaml", "Pulumi.dev.yaml"]);

/**
 * Copies the project (without node_modules and .git, which it links or leaves out) into `dir`, so
 * that `pulumi stack init` and config changes write there, never into the checkout. The secrets
 * settings a developer's own `pulumi stack init local` wrote into the checkout's Pulumi.local.yaml
 * (another passphrase's salt) are dropped.
 */
export function copyProject(repo: string, dir: string): void {
  // A copy that exists is refreshed from the checkout, keeping the secrets settings its stack
  // already has (its passphrase's salt), so a second `up` deploys what the checkout holds now.
  const stackFile = path.join(dir, "Pulumi.local.yaml");
  const secrets = fs.existsSync(stackFile) ? fs.readFileSync(stackFile, "utf8").match(/^(encryptionsalt|secretsprovider|encryptedkey):.*\n/gm) ?? [] : [];
  if (fs.existsSync(dir)) fs.rmSync(dir, { recursive: true, force: true });
  const skip = new Set(["node_modules", ".git", "bin"]);
  fs.mkdirSync(dir, { recursive: true });
  for (const entry of fs.readdirSync(repo)) {
    if (skip.has(entry) || (/^Pulumi\..+\.yaml$/.test(entry) && !SHIPPED_STACK_FILES.has(entry))) continue;
    fs.cpSync(path.join(repo, entry), path.join(dir, entry), { recursive: true, filter: (src) => !src.split(path.sep).includes("node_modules") });
  }
  const text = fs.readFileSync(stackFile, "utf8").replace(/^(encryptionsalt|secretsprovider|encryptedkey):.*\n/gm, "");
  fs.writeFileSync(stackFile, secrets.join("") + text);
  fs.symlinkSync(path.join(repo, "node_modules"), path.join(dir, "node_modules"), "dir");
}
