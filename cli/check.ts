/**
 * `npm run check -- allow|deny [--stack NAME] [--kubeconfig FILE] [--context NAME]`: the tutorial's
 * manual check, run for you. The kubectl call is built by core/stack/checkCommands.ts from the
 * stack's validated config; nothing read from the state or the outputs is run (an AKS stack's
 * kubeconfig output is rebuilt first, see core/stack/kubeconfig.ts).
 * Exit codes: 0 the check behaved as the policy intends, 1 it did not (or gave no verdict), 2 bad input.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { ConfigError, type StackConfig } from "../core/config";
import { CHECK_KINDS, checkCommand, type CheckKind, type CheckTarget, checkVerdict } from "../core/stack/checkCommands";
import { readStackConfig } from "../core/stackConfigFile";
import { DEFAULT_STACK, EXIT_USAGE, UsageError } from "./args";
import { exitIfNpmAteFlags, npmFlagsOf, userPath } from "./npmRun";
import { NoClusterError, type StackKubeconfigReader, stackKubeconfig, stackKubeconfigRebuilt } from "./verify/connect";

export const EXIT_AS_EXPECTED = 0;
export const EXIT_NOT_AS_EXPECTED = 1;

export const CHECK_USAGE = `Usage: npm run check -- allow|deny [--stack NAME] [--kubeconfig FILE] [--context NAME]

The tutorial's two checks, built from the stack's config: "allow" runs a pod of the first allowed
caller (its namespace and pod labels), "deny" an unlabelled pod in default; each curls prices-api
once (--max-time 5) and is removed afterwards.

  -s, --stack NAME        stack whose config and cluster to use (default: dev); for clusterMode aks
                          its kubeconfig output (needs the Pulumi CLI), for existing its kubeContext
  -k, --kubeconfig FILE   use this kubeconfig instead
  -c, --context NAME      kubeconfig context (default: the stack's kubeContext, else the current one)
  -h, --help              this help

Exit 0 when the check behaves as the policy intends (allow gets an answer; deny is blocked: a
timeout, or a refused connection on engines that reject), 1 when it does not or gives no verdict,
2 on bad arguments or config.`;

export const CHECK_OPTIONS = {
  stack: { type: "string", short: "s" },
  kubeconfig: { type: "string", short: "k" },
  context: { type: "string", short: "c" },
  help: { type: "boolean", short: "h" },
} as const;

const STACK_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

interface CheckArgs {
  kind: CheckKind;
  stack: string;
  kubeconfig?: string;
  context?: string;
}

export function parseCheckArgs(argv: string[]): CheckArgs | "help" {
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; strict: true; allowPositionals: true; options: typeof CHECK_OPTIONS }>>;
  try {
    parsed = parseArgs({ args: argv, strict: true, allowPositionals: true, options: CHECK_OPTIONS });
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/\. To specify a positional argument.*$/s, ""));
  }
  const { values, positionals } = parsed;
  if (values.help) return "help";
  const [kind, ...extra] = positionals;
  if (kind === undefined) throw new UsageError("which check? expected allow or deny");
  if (!(CHECK_KINDS as readonly string[]).includes(kind)) throw new UsageError(`${JSON.stringify(kind)} is not a check; expected allow or deny`);
  if (extra.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}`);
  const stack = values.stack ?? DEFAULT_STACK;
  if (!STACK_NAME.test(stack)) throw new UsageError(`--stack ${JSON.stringify(stack)} is not a stack name; expected letters, digits, '-', '_' or '.'`);
  if (values.kubeconfig === "") throw new UsageError("--kubeconfig needs a file name");
  if (values.context === "") throw new UsageError("--context needs a context name");
  return { kind: kind as CheckKind, stack, ...(values.kubeconfig !== undefined ? { kubeconfig: values.kubeconfig } : {}), ...(values.context !== undefined ? { context: values.context } : {}) };
}

/** Runs argv (argv[0] is the program, no shell) and resolves with its exit code, or null when it could not start. */
export type CommandRunner = (argv: string[]) => Promise<number | null>;

export interface CheckIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Directory holding Pulumi.yaml. */
  projectDir: string;
  env: NodeJS.ProcessEnv;
  run: CommandRunner;
  /** Reads a stack's kubeconfig output; the Automation API when unset. */
  stackKubeconfig?: StackKubeconfigReader;
}

/** Where kubectl points, and the temporary kubeconfig to remove afterwards. */
async function targetOf(args: CheckArgs, config: StackConfig, io: CheckIO): Promise<{ target: CheckTarget; temporary?: string }> {
  const context = args.context ?? (config.clusterMode === "existing" ? config.kubeContext : undefined);
  if (args.kubeconfig !== undefined) return { target: { kubeconfig: userPath(args.kubeconfig, io.env), ...(context ? { context } : {}) } };
  if (config.clusterMode !== "aks") return { target: context ? { context } : {} };
  const where = `the kubeconfig output of stack ${args.stack}`;
  const read = io.stackKubeconfig ?? ((stack: string) => stackKubeconfig(stack, io.projectDir, io.env));
  const text = stackKubeconfigRebuilt(await read(args.stack), where);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "prices-api-check-"));
  const file = path.join(dir, "kubeconfig.yaml");
  fs.writeFileSync(file, text, { mode: 0o600 });
  return { target: { kubeconfig: file, ...(args.context ? { context: args.context } : {}) }, temporary: dir };
}

/** Runs the command and returns its exit code; never calls process.exit. */
export async function checkMain(argv: string[], io: CheckIO): Promise<number> {
  let args: CheckArgs | "help";
  let config: StackConfig;
  try {
    args = parseCheckArgs(argv);
    if (args === "help") {
      io.stdout(`${CHECK_USAGE}\n`);
      return EXIT_AS_EXPECTED;
    }
    config = readStackConfig(args.stack, io.projectDir);
  } catch (err) {
    if (!(err instanceof UsageError) && !(err instanceof ConfigError)) throw err;
    io.stderr(`check: ${err.message}\n${err instanceof UsageError ? "Run with --help for usage.\n" : ""}`);
    return EXIT_USAGE;
  }
  let resolved: Awaited<ReturnType<typeof targetOf>>;
  try {
    resolved = await targetOf(args, config, io);
  } catch (err) {
    if (!(err instanceof NoClusterError)) throw err;
    io.stderr(`check: ${err.message}\n`);
    return EXIT_NOT_AS_EXPECTED;
  }
  try {
    const command = checkCommand(args.kind, config, resolved.target);
    io.stderr(`check: ${args.kind} for stack ${args.stack}: ${command.join(" ")}\n`);
    const verdict = checkVerdict(args.kind, await io.run(command));
    io.stdout(`${verdict.message}\n`);
    return verdict.asExpected ? EXIT_AS_EXPECTED : EXIT_NOT_AS_EXPECTED;
  } finally {
    if (resolved.temporary) fs.rmSync(resolved.temporary, { recursive: true, force: true });
  }
}

/** The real runner: the program itself with its argv, output passed through, no shell. */
export const spawnCommand: CommandRunner = (argv) =>
  new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ["ignore", "inherit", "inherit"] });
    child.once("error", (err) => {
      process.stderr.write(`check: cannot run ${argv[0]}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? `${argv[0]} is not on PATH` : err.message}\n`);
      resolve(null);
    });
    child.once("close", (code) => resolve(code));
  });

if (require.main === module) {
  exitIfNpmAteFlags("check", npmFlagsOf(CHECK_OPTIONS));
  checkMain(process.argv.slice(2), {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    projectDir: path.resolve(__dirname, ".."),
    env: process.env,
    run: spawnCommand,
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`check: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = EXIT_NOT_AS_EXPECTED;
    },
  );
}
