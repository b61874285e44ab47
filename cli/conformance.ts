/**
 * `npm run conformance`: the engine against real packets. This file only wires I/O (arguments, the
 * kubeconfig, signals, output); the cases, the run, the comparison and the reports are in
 * core/conformance.
 */
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { KubeConfig } from "@kubernetes/client-node";
import { loadCases } from "../core/conformance/caseFiles";
import { CaseError } from "../core/conformance/caseModel";
import type { Clock, ConformanceClient } from "../core/conformance/client";
import { generateCases } from "../core/conformance/generate";
import { conformanceJson } from "../core/conformance/json";
import { formatReport } from "../core/conformance/report";
import { ConformanceError, runConformance, type RunResult } from "../core/conformance/run";
import { LEFTOVER_CLEANUP_COMMAND, RunNames } from "../core/conformance/runNames";
import { defaultServerImage } from "../core/conformance/serverPod";
import { tally } from "../core/conformance/compare";
import type { ConformanceCase } from "../core/conformance/types";
import { ManifestError } from "../core/netpol";
import { EXIT_USAGE, UsageError } from "./args";
import { CONFORMANCE_OPTIONS, CONFORMANCE_USAGE, parseConformanceArgs } from "./conformance/args";
import { EXIT_INTERRUPTED, interruptOnSignals } from "./interrupt";
import { exitIfNpmAteFlags, npmFlagsOf, userPath } from "./npmRun";
import type * as KubeClientModule from "./conformance/kubeClient";
import type * as ConnectModule from "./verify/connect";

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;

/** A cluster to run on: the client, and how to tell "no cluster here" from other errors. */
export interface ClusterConnection {
  /** "context NAME (https://...) from kubeconfig FILE", printed before anything is created. */
  description: string;
  context: string;
  server: string;
  client: ConformanceClient;
  /** Image names per node, or undefined when nodes cannot be listed. */
  nodeImages(): Promise<string[][] | undefined>;
  /** The one-line "no cluster reachable: ..." for an error of the first calls, else undefined. */
  unreachable(err: unknown): Error | undefined;
}

export type Connector = (kubeconfig: string, context: string | undefined) => Promise<ClusterConnection>;

export interface ConformanceIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  /** Aborted on SIGINT/SIGTERM/SIGHUP by the entry point; tests abort it themselves. */
  signal?: AbortSignal;
  clock?: Clock;
  connector?: Connector;
  runId?: string;
}

const realClock: Clock = { now: () => Date.now(), sleep: (ms, signal) => sleep(ms, undefined, { signal }) };

const randomId = (length: number) => [...randomBytes(length)].map((b) => "abcdefghijklmnopqrstuvwxyz0123456789"[b % 36]).join("");

/** Loaded on first use: client-node is only needed once the cases are known to be good. */
const realConnector: Connector = async (kubeconfig, context) => {
  /* eslint-disable @typescript-eslint/no-require-imports -- a lazy load keeps client-node out of a run with bad cases */
  const { connect, unreachable } = require("./verify/connect") as typeof ConnectModule;
  const { ClientNodeConformanceClient } = require("./conformance/kubeClient") as typeof KubeClientModule;
  /* eslint-enable @typescript-eslint/no-require-imports */
  const connection = await connect({ kubeconfig, ...(context !== undefined ? { context } : {}), projectDir: process.cwd(), env: process.env });
  const kc: KubeConfig = connection.kubeConfig;
  const client = new ClientNodeConformanceClient(kc, 15_000);
  return {
    description: connection.description,
    context: kc.getCurrentContext(),
    server: kc.getCurrentCluster()?.server ?? "",
    client,
    nodeImages: () => client.nodeImages(),
    unreachable: (err) => unreachable(err, connection),
  };
};

function readCases(args: Extract<ReturnType<typeof parseConformanceArgs>, { help: false }>, env: NodeJS.ProcessEnv): ConformanceCase[] {
  const cases = args.cases.length > 0 ? loadCases(args.cases.map((p) => userPath(p, env))) : [];
  if (args.generate) cases.push(...generateCases(args.generate.count, args.generate.seed).map((g) => g.case));
  const seen = new Set<string>();
  for (const c of cases) {
    if (seen.has(c.name)) throw new CaseError(`two cases are named ${c.name}`);
    seen.add(c.name);
  }
  return cases;
}

/** Runs the command and returns its exit code; never calls process.exit. */
export async function conformanceMain(argv: string[], io: ConformanceIO): Promise<number> {
  let args;
  let cases: ConformanceCase[];
  try {
    args = parseConformanceArgs(argv);
    if (args.help) {
      io.stdout(`${CONFORMANCE_USAGE}\n`);
      return EXIT_OK;
    }
    // Every case is read and checked before the cluster is touched: a bad one makes nothing.
    cases = readCases(args, io.env);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`conformance: ${err.message}\nRun with --help for usage.\n`);
      return EXIT_USAGE;
    }
    if (err instanceof CaseError || err instanceof ManifestError) {
      io.stderr(`conformance: ${err.message}\n`);
      return EXIT_USAGE;
    }
    throw err;
  }
  const progress = (line: string) => io.stderr(`${line}\n`);
  let connection: ClusterConnection;
  try {
    connection = await (io.connector ?? realConnector)(userPath(args.kubeconfig, io.env), args.context);
  } catch (err) {
    if ((err as Error)?.name !== "NoClusterError") throw err;
    io.stderr(`conformance: ${(err as Error).message}\n`);
    return EXIT_FAILED;
  }
  const names = new RunNames(io.runId ?? randomId(8));
  progress(`conformance: ${connection.description}`);
  let result: RunResult;
  const started = (io.clock ?? realClock).now();
  try {
    const chosen = args.image !== undefined ? { image: args.image, why: "--image" } : defaultServerImage(await connection.nodeImages());
    progress(`conformance: ${cases.length} cases, run id ${names.runId} (namespaces ${names.prefix}*), server image ${chosen.image} (${chosen.why})`);
    result = await runConformance({ cases, names, client: connection.client, clock: io.clock ?? realClock, progress, ...(io.signal ? { signal: io.signal } : {}), options: { image: chosen.image } });
  } catch (err) {
    const noCluster = connection.unreachable(err);
    io.stderr(`conformance: ${noCluster ? noCluster.message : err instanceof ConformanceError ? err.message : `failed: ${(err as Error).message ?? String(err)}`}\n`);
    return EXIT_FAILED;
  }
  const seconds = ((io.clock ?? realClock).now() - started) / 1000;
  const cluster = { context: connection.context, server: connection.server, runId: names.runId };
  io.stdout(args.format === "json" ? conformanceJson(result.results, seconds, cluster) : formatReport(result.results, seconds));
  if (result.cleanup.failed.length > 0) io.stderr(`conformance: some namespaces were left behind; remove them with: ${LEFTOVER_CLEANUP_COMMAND}\n`);
  if (result.kind === "interrupted") {
    io.stderr("conformance: interrupted; the report covers the cases that finished\n");
    return EXIT_INTERRUPTED;
  }
  const t = tally(result.results);
  return t.disagreements + t.errors > 0 || result.cleanup.failed.length > 0 ? EXIT_FAILED : EXIT_OK;
}


if (require.main === module) {
  exitIfNpmAteFlags("conformance", npmFlagsOf(CONFORMANCE_OPTIONS));
  const controller = new AbortController();
  const dispose = interruptOnSignals(controller, "the run's namespaces", LEFTOVER_CLEANUP_COMMAND);
  conformanceMain(process.argv.slice(2), {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    env: process.env,
    signal: controller.signal,
  })
    .catch((err: unknown) => {
      process.stderr.write(`conformance failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      return EXIT_FAILED;
    })
    .then((code) => {
      dispose();
      // Explicit exit: an open websocket or a timed-out request would otherwise keep the process alive.
      process.exit(code);
    });
}
