/**
 * `npm run --silent connectivity -- [--format F] [--stack NAME] [--no-probes] [PATH...]` or
 * `-- --kubeconfig FILE [--context NAME]`: who can reach whom, for manifests on disk, for the
 * stack's own objects, or for a live cluster. The analysis is the output,
 * so it exits 0 even when traffic is open; the intent gate is what fails builds.
 */
import {
  buildModel,
  computeExposure,
  computeMatrix,
  ConnectivityEngine,
  externalConnections,
  podNamespace,
  queryExternal,
  selectsPod,
  describeWay,
  formatExposure,
  lintModel,
  liveEngineObjects,
  loadManifestPaths,
  type ClusterModel,
  type IgnoredObject,
  type KubeObject,
  type LiveObjects,
  type MatrixQuery,
  type SourcedObject,
} from "../core/netpol";
import {
  countConnections,
  focusHint,
  formatMermaid,
  JSON_CONTRACT_VERSION,
  matrixSummary,
  MERMAID_MAX_EDGES,
  MERMAID_MAX_TEXT,
  mermaidEdgeCount,
  mermaidLabel,
  reportChunks,
  TABLE_MAX_CONNECTIONS,
  type ReportChunk,
} from "../core/report";
import * as fs from "node:fs";
import { REPORT_FORMATS } from "../core/report";
import { CONNECTIVITY_OPTIONS, CONNECTIVITY_USAGE, parseConnectivityArgs, processIO, UsageError, type CommandIO, type ConnectivityArgs, type ConnectivitySource } from "./args";
import { npmAteFlags, npmFlagsOf, userPath } from "./npmRun";
import { runAsProcess, runCommand } from "./command";
import type * as ReadLiveModule from "./connectivity/readLive";
import { stackInput } from "./stackInput";

/** "ignored: 3 objects of kinds ConfigMap, Secret" (the engine models namespaces, pods, workloads and policies only). */
export function ignoredLine(ignored: readonly IgnoredObject[]): string {
  const kinds = [...new Set(ignored.map((i) => i.kind))].sort();
  const n = ignored.length;
  return `ignored: ${n} object${n === 1 ? "" : "s"} of kind${kinds.length === 1 ? "" : "s"} ${kinds.join(", ")}`;
}

/** Writes text in ~64 KiB batches (one write per small piece would cost a syscall each), bytes as they come. */
function writeBatched(chunks: Iterable<ReportChunk>, io: CommandIO): void {
  const decoder = new TextDecoder();
  const writeBytes = io.stdoutBytes ?? ((bytes: Uint8Array) => io.stdout(decoder.decode(bytes)));
  let buffer = "";
  for (const chunk of chunks) {
    if (typeof chunk !== "string") {
      if (buffer.length > 0) io.stdout(buffer);
      buffer = "";
      writeBytes(chunk);
      continue;
    }
    buffer += chunk;
    if (buffer.length >= 65536) {
      io.stdout(buffer);
      buffer = "";
    }
  }
  if (buffer.length > 0) io.stdout(buffer);
}

/** `--exposure`: who could reach each selected destination and port, as text or json. */
function printExposure(args: Extract<ConnectivityArgs, { help: false }>, model: ClusterModel, engine: ConnectivityEngine, io: CommandIO): number {
  const to = args.query.to;
  const selected = computeExposure(model, (p) => selectsPod(to, p), engine).filter(
    (e) => args.query.port === undefined || e.port === args.query.port,
  );
  if (args.format === "json") {
    const exposure = selected.map((e) => ({ ...e, ways: e.ways.map((w) => ({ ...w, text: describeWay(w, e.port, e.protocol) })) }));
    io.stdout(`${JSON.stringify({ version: JSON_CONTRACT_VERSION, exposure }, null, 2)}\n`);
  } else io.stdout(formatExposure(selected));
  return 0;
}

/** A --from/--to that names nothing would print an empty answer to a typo: say what there is instead. */
function checkQueryNames(query: MatrixQuery, model: ClusterModel): void {
  const namespaces = [...new Set([...model.namespaces.map((n) => n.name), ...model.pods.map(podNamespace)])].sort();
  for (const [option, sel] of [["from", query.from], ["to", query.to]] as const) {
    if (!sel) continue;
    if (!namespaces.includes(sel.namespace)) {
      throw new UsageError(`--${option} ${sel.namespace}/${sel.name ?? ""}: there is no namespace ${sel.namespace}; the namespaces are ${namespaces.join(", ") || "none"}`);
    }
    if (sel.name === undefined) continue;
    const pods = model.pods.filter((p) => podNamespace(p) === sel.namespace).map((p) => p.name).sort();
    if (!pods.includes(sel.name)) {
      const shown = pods.slice(0, 20).join(", ") + (pods.length > 20 ? `, ... (${pods.length - 20} more)` : "");
      throw new UsageError(`--${option} ${sel.namespace}/${sel.name}: no pod or workload ${sel.name} in ${sel.namespace}; it has ${shown || "none"}`);
    }
  }
}

type Analysed = { deployed: readonly KubeObject[] | readonly SourcedObject[]; probes: readonly KubeObject[] };

/** The analysis and its output, whatever the source of the objects. */
function analyse(args: Extract<ConnectivityArgs, { help: false }>, input: Analysed, io: CommandIO): number {
  const { model, ignored } = buildModel([...input.deployed, ...input.probes]);
  checkQueryNames(args.query, model);
  // One engine: building it classifies every pod, which is most of a focus query's time.
  const engine = new ConnectivityEngine(model);
  if (args.exposure) return printExposure(args, model, engine, io);
  const matrix = computeMatrix(model, args.query, engine);
  // Lint what is deployed: probe pods are not workloads and need no default-deny of their own.
  const warnings = input.probes.length > 0 ? lintModel(buildModel([...input.deployed]).model) : lintModel(model, engine);
  // Named as in the json (namespace/policy), so a warning on a real cluster says which policy it means.
  for (const w of warnings) io.stderr(`warning [${w.code}] ${w.policy ? `${w.namespace ?? "default"}/${w.policy}: ` : ""}${w.message}\n`);
  if (ignored.length > 0) io.stderr(`${ignoredLine(ignored)}\n`);
  if (matrix.count === 0 && args.source.kind === "stack" && !args.source.probes) {
    io.stderr("hint: the stack deploys no caller pods, so there is nothing to connect; drop --no-probes to add the intent gate's probe pods\n");
  }
  // externalConnections already keeps to --from/--to; the port and verdict filters are left.
  const external = queryExternal(externalConnections(model, args.query, engine), { port: args.query.port, allowed: args.query.allowed });
  if (!args.full && args.format === "table" && matrix.count > TABLE_MAX_CONNECTIONS) {
    // count is an upper bound under --allowed/--denied: the exact number decides.
    const counts = countConnections(matrix);
    if (counts.total > TABLE_MAX_CONNECTIONS) {
      io.stdout(`${matrixSummary(matrix, counts)}\n`);
      io.stderr(`${focusHint(`the table would list ${counts.total} connections, more than the ${TABLE_MAX_CONNECTIONS} it prints`)}\n`);
      return 0;
    }
  }
  if (!args.full && args.format === "mermaid") {
    const picture = formatMermaid(matrix, { external });
    const edges = mermaidEdgeCount(picture);
    if (edges > MERMAID_MAX_EDGES || picture.length > MERMAID_MAX_TEXT) {
      // Still a picture, so a README or PR comment that embeds it shows the summary instead of an error.
      io.stdout(`flowchart LR\n  summary["${mermaidLabel(`${matrixSummary(matrix)} Too many edges to draw: focus with --to or --from.`)}"]\n`);
      const what = edges > MERMAID_MAX_EDGES ? `the picture would draw ${edges} edges, more than the ${MERMAID_MAX_EDGES} mermaid renders` : `the picture would be ${picture.length} characters, more than the ${MERMAID_MAX_TEXT} mermaid renders`;
      io.stderr(`${focusHint(what)}\n`);
    } else io.stdout(picture);
    return 0;
  }
  writeBatched(reportChunks(args.format, matrix, warnings, ignored, { explain: args.explain, external }), io);
  return 0;
}

/** The arguments, checked once whatever the source: flags npm took for itself are a usage error too. */
function checkedArgs(argv: string[], io: CommandIO): ConnectivityArgs {
  const ate = io.env && npmAteFlags("connectivity", npmFlagsOf(CONNECTIVITY_OPTIONS), argv, io.env, io.npmCommandLine?.("connectivity"));
  if (ate) throw new UsageError(ate);
  return parseConnectivityArgs(argv);
}

/** Help, manifests or the stack: everything but a live cluster, synchronously. */
function runOffline(args: ConnectivityArgs, io: CommandIO): number {
  if (args.help) {
    io.stdout(`${CONNECTIVITY_USAGE}\n`);
    return 0;
  }
  const source = args.source;
  if (source.kind === "live") throw new Error("a live cluster is read asynchronously: call runConnectivity");
  if (source.kind === "paths") {
    for (const p of source.paths) {
      // npm ran `connectivity --format json` as `connectivity json`: say so, not "cannot read: json".
      if ((REPORT_FORMATS as readonly string[]).includes(p) && !fs.existsSync(io.env ? userPath(p, io.env) : p)) {
        throw new UsageError(`${p} is not a file; did npm take --format for itself? Run: npm run connectivity -- --format ${p}`);
      }
    }
  }
  const input =
    source.kind === "paths"
      ? { deployed: loadManifestPaths(source.paths.map((p) => (io.env ? userPath(p, io.env) : p))), probes: [] }
      : stackInput(source.stack, source.probes, io.projectDir);
  // An empty matrix from no input would read as "nothing is reachable": a wrong path must not pass.
  if (source.kind === "paths" && input.deployed.length === 0) {
    throw new UsageError(`no Kubernetes objects found in ${source.paths.join(", ")} (files ending .yaml, .yml or .json, with apiVersion, kind and metadata.name)`);
  }
  return analyse(args, input, io);
}

/**
 * Runs the command for manifests or the stack (offline, synchronous); returns the exit code.
 * Unexpected errors (bugs) propagate with their stack. A live cluster needs `runConnectivity`.
 */
export function main(argv: string[], io: CommandIO = processIO): number {
  return runCommand("connectivity", io, () => runOffline(checkedArgs(argv, io), io));
}

/** Reads a live cluster's objects for the engine; tests pass a fake. */
export type LiveReader = (kubeconfig: string, context: string | undefined) => Promise<LiveObjects>;

/** Exit code when no cluster can be read (as verify). */
export const EXIT_NO_CLUSTER = 1;

/** Loaded on first use only (see readLive.ts). */
const readLive: LiveReader = (kubeconfig, context) =>
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a lazy load keeps client-node out of offline start-up
  (require("./connectivity/readLive") as typeof ReadLiveModule).readLive(kubeconfig, context);

/** Every source, the live cluster included; the process entry point uses this. */
export async function runConnectivity(argv: string[], io: CommandIO = processIO, reader: LiveReader = readLive): Promise<number> {
  type LiveArgs = Extract<ConnectivityArgs, { help: false }> & { source: Extract<ConnectivitySource, { kind: "live" }> };
  // Set inside the callback, so declared with `as`: TypeScript would otherwise take it for undefined below.
  let liveArgs = undefined as LiveArgs | undefined;
  const code = runCommand("connectivity", io, () => {
    const args = checkedArgs(argv, io);
    if (args.help || args.source.kind !== "live") return runOffline(args, io);
    liveArgs = args as LiveArgs;
    return 0;
  });
  if (liveArgs === undefined) return code;
  const { kubeconfig, context } = liveArgs.source;
  let live: LiveObjects;
  try {
    live = await reader(io.env ? userPath(kubeconfig, io.env) : kubeconfig, context);
  } catch (err) {
    // The default reader's errors, and the same kinds from a reader a test passes in.
    if (["NoClusterError", "LiveReadError"].includes((err as Error)?.name)) {
      io.stderr(`connectivity: ${(err as Error).message}\n`);
      return EXIT_NO_CLUSTER;
    }
    throw err;
  }
  const args = liveArgs;
  return runCommand("connectivity", io, () => analyse(args, { deployed: liveEngineObjects(live), probes: [] }, io));
}

if (require.main === module) runAsProcess((argv, io) => runConnectivity(argv, io));
