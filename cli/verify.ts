/**
 * `npm run verify`: proves the stack's NetworkPolicies on a live cluster. This file only wires
 * I/O (arguments, kubeconfig, signals, output); the plan, the run and the report are in core/verify.
 */
import { randomBytes } from "node:crypto";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { ConfigError } from "../core/config";
import { stackIntent } from "../core/intent";
import { expectedProbeResults } from "../core/intentGate";
import { stackObjects } from "../core/stack";
import { readStackConfig } from "../core/stackConfigFile";
import type { Clock } from "../core/verify/client";
import { LEFTOVER_CLEANUP_COMMAND, planProbes } from "../core/verify/plan";
import { formatVerifyReport } from "../core/verify/report";
import { type RunResult, runVerify, VerifyError } from "../core/verify/run";
import { EXIT_USAGE, UsageError } from "./args";
import { EXIT_INTERRUPTED, interruptOnSignals } from "./interrupt";
import { exitIfNpmAteFlags, npmFlagsOf, userPath } from "./npmRun";
import { parseVerifyArgs, VERIFY_OPTIONS, VERIFY_USAGE } from "./verify/args";
import { connect, NoClusterError, type StackKubeconfigReader, unreachable } from "./verify/connect";
import { ClientNodeKubeClient } from "./verify/kubeClient";

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;

export interface VerifyIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Directory holding Pulumi.yaml. */
  projectDir: string;
  env: NodeJS.ProcessEnv;
  /** Aborted on SIGINT/SIGTERM/SIGHUP by the entry point; tests abort it themselves. */
  signal?: AbortSignal;
  /** Whether a person is at a terminal (stdin and stderr are TTYs). */
  interactive?: boolean;
  /** Reads a stack's kubeconfig output; the Automation API when unset. */
  stackKubeconfig?: StackKubeconfigReader;
}

const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) => sleep(ms, undefined, { signal }),
};

// Base-36 of random bytes: lowercase alphanumerics, valid in names and label values.
const randomId = (length: number) =>
  [...randomBytes(length)].map((b) => "abcdefghijklmnopqrstuvwxyz0123456789"[b % 36]).join("");

/** Runs the command and returns its exit code; never calls process.exit. */
export async function verifyMain(argv: string[], io: VerifyIO): Promise<number> {
  let args;
  try {
    args = parseVerifyArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr(`${err.message}\nRun with --help for usage.\n`);
    return EXIT_USAGE;
  }
  if (args.help) {
    io.stdout(`${VERIFY_USAGE}\n`);
    return EXIT_OK;
  }
  let plan;
  let config;
  try {
    config = readStackConfig(args.intentStack, io.projectDir);
    const expectations = expectedProbeResults(stackObjects(config), stackIntent(config));
    plan = planProbes(expectations, { runId: randomId(8), randomSuffix: () => randomId(5), image: config.probeImage });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    io.stderr(`${err.message}\n`);
    return EXIT_USAGE;
  }
  const progress = (line: string) => io.stderr(`${line}\n`);
  let connection;
  try {
    connection = await connect({ stack: args.stack, config, kubeconfig: args.kubeconfig === undefined ? undefined : userPath(args.kubeconfig, io.env), context: args.context, projectDir: io.projectDir, env: io.env, stackKubeconfig: io.stackKubeconfig });
  } catch (err) {
    if (!(err instanceof NoClusterError)) throw err;
    io.stderr(`${err.message}\n`);
    return EXIT_FAILED;
  }
  if (args.stack === undefined && args.kubeconfig === undefined) {
    progress(`no --stack or --kubeconfig: using the current kubeconfig context, and the intent of stack ${args.intentStack}`);
    // Nobody is there to read that line in a script or CI job: there, the current context must be confirmed.
    if (!args.yes && !io.interactive) {
      io.stderr(`verify would create probe namespaces and pods on ${connection.description}; not on a terminal, so confirm with --yes, or name the cluster with --stack or --kubeconfig\n`);
      return EXIT_USAGE;
    }
  }
  progress(`verify: intent of stack ${args.intentStack} on ${connection.description}`);
  if (args.refusalIsBlock) progress("verify: --refusal-is-block is no longer needed (a refusal counts as blocked when an allowed caller got through in the same round); ignored");
  const client = new ClientNodeKubeClient(connection.kubeConfig, args.requestTimeoutSeconds * 1000);
  let result: RunResult;
  try {
    result = await runVerify({
      plan,
      client,
      clock: realClock,
      progress,
      signal: io.signal,
      options: { podTimeoutMs: args.podTimeoutSeconds * 1000 },
    });
  } catch (err) {
    const noCluster = unreachable(err, connection);
    io.stderr(`${noCluster ? noCluster.message : err instanceof VerifyError ? err.message : `verify failed: ${(err as Error).message ?? String(err)}`}\n`);
    return EXIT_FAILED;
  }
  const cleanupFailed = result.cleanup.failed.length > 0;
  switch (result.kind) {
    case "not-ready":
      io.stderr(`${result.message}\n`);
      return EXIT_FAILED;
    case "interrupted":
      io.stderr(`${result.message}\n`);
      return EXIT_INTERRUPTED;
    case "probed":
      io.stdout(formatVerifyReport(result.report));
      if (cleanupFailed) io.stderr(`some probe objects were left behind; remove them with: ${LEFTOVER_CLEANUP_COMMAND}\n`);
      return cleanupFailed ? EXIT_FAILED : result.report.exitCode;
  }
}


if (require.main === module) {
  exitIfNpmAteFlags("verify", npmFlagsOf(VERIFY_OPTIONS));
  const controller = new AbortController();
  const dispose = interruptOnSignals(controller, "the probe pods and namespaces", LEFTOVER_CLEANUP_COMMAND);
  verifyMain(process.argv.slice(2), {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    projectDir: path.resolve(__dirname, ".."),
    env: process.env,
    signal: controller.signal,
    interactive: Boolean(process.stdin.isTTY && process.stderr.isTTY),
  })
    .catch((err: unknown) => {
      process.stderr.write(`verify failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      return EXIT_FAILED;
    })
    .then((code) => {
      dispose();
      // Explicit exit: a timed-out HTTP request to an unreachable server would otherwise keep the process alive.
      process.exit(code);
    });
}
