/**
 * Argument parsing shared by the `connectivity` and `manifests` commands. Pure: returns what to
 * do, or throws UsageError (the commands print its message and exit 2).
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import type { MatrixQuery, PodSelector } from "../core/netpol";
import { writeAllSync } from "./stdout";
import { REPORT_FORMATS, type ReportFormat } from "../core/report";

/** Exit code for bad arguments, bad manifests and bad config. */
export const EXIT_USAGE = 2;

/** A mistake in the command line; the message says what was wrong and what is accepted. */
export class UsageError extends Error {
  readonly exitCode = EXIT_USAGE;
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export const DEFAULT_STACK = "dev";
// Stack names become file names (Pulumi.<stack>.yaml), so path separators are refused.
const STACK_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export const CONNECTIVITY_USAGE = `Usage: npm run --silent connectivity -- [--format table|json|csv|mermaid] [--stack NAME] [--probes|--no-probes] [PATH...]
       npm run --silent connectivity -- --kubeconfig FILE [--context NAME] [--format F]

Who can reach whom under the NetworkPolicies, pod to pod and port by port.

  PATH...          manifest files or directories (.yaml/.yml/.json); without PATH,
                   the objects the stack deploys for its config (Pulumi.<stack>.yaml)
  -f, --format F   table (default), json, csv or mermaid
  -s, --stack N    stack whose config to read when no PATH is given (default: dev)
  -p, --probes     add the intent gate's probe pods (allowed callers and impostors)
                   to the stack's objects; the default for the stack, which deploys
                   no caller of its own
  --no-probes      analyse the stack's objects alone; only without PATH
  -k, --kubeconfig FILE
                   read Namespaces, Pods and NetworkPolicies from the live cluster of
                   this kubeconfig instead; pods are named after the workload that
                   owns them (Pod -> ReplicaSet -> Deployment), as in the other modes,
                   so \`connectivity-diff\` of a live and a --stack report shows drift
  --context NAME   kubeconfig context to read (default: its current context)
  --from X, --to X only connections from / to X: ns/name (one pod or workload) or
                   ns/ (a whole namespace); only what is printed is computed
  --port N         only connections to destination port N
  --allowed, --denied
                   only allowed, or only denied, connections
  --explain        json and csv: add each connection's reason and deciding policies
  --full           table and mermaid: print everything even when it is too much to read
                   (above 10,000 connections, or 500 edges, they print a summary and a hint)
  --exposure       instead of connections between existing pods: for each destination
                   (--to) and port (--port), the conditions under which ANY pod, existing
                   or future, gets in (namespace labels AND pod labels, or an IP range);
                   table or json
  -h, --help       this help

Lint warnings and ignored objects go to stderr (and into json). Exit 0 when the
analysis ran, 2 on bad arguments, config or manifests.`;

export const MANIFESTS_USAGE = `Usage: npm run --silent manifests -- [--stack NAME]

Prints every Kubernetes object the stack deploys, as multi-document YAML, e.g. for
  npm run --silent manifests | kubectl apply --dry-run=server -f -

  -s, --stack N    stack whose config to read (default: dev)
  -h, --help       this help`;

/** Where the objects come from: manifests, the stack's config, or a live cluster. */
export type ConnectivitySource =
  | { kind: "paths"; paths: string[] }
  | { kind: "stack"; stack: string; probes: boolean }
  | { kind: "live"; kubeconfig: string; context?: string };

export type ConnectivityArgs =
  | { help: true }
  | { help: false; format: ReportFormat; source: ConnectivitySource; query: MatrixQuery; explain: boolean; exposure: boolean; full: boolean };

export type ManifestsArgs = { help: true } | { help: false; stack: string };

type Parsed = { values: Record<string, string | boolean | undefined>; positionals: string[] };

function parse(argv: string[], options: ParseArgsConfig["options"], positionals: boolean): Parsed {
  try {
    const { values, positionals: rest } = parseArgs({ args: argv, options, allowPositionals: positionals, strict: true });
    return { values: values as Parsed["values"], positionals: rest };
  } catch (err) {
    // node's messages name the option ("Unknown option '--x'"); keep them, minus the hint to use `--`.
    throw new UsageError((err as Error).message.replace(/\. To specify a positional argument.*$/s, ""));
  }
}

function stackName(value: string | undefined): string {
  if (value === undefined) return DEFAULT_STACK;
  if (!STACK_NAME.test(value)) {
    throw new UsageError(`--stack ${JSON.stringify(value)} is not a stack name; expected letters, digits, '-', '_' or '.'`);
  }
  return value;
}

export const CONNECTIVITY_OPTIONS = {
  format: { type: "string", short: "f" },
  stack: { type: "string", short: "s" },
  probes: { type: "boolean", short: "p" },
  "no-probes": { type: "boolean" },
  kubeconfig: { type: "string", short: "k" },
  context: { type: "string" },
  from: { type: "string" },
  to: { type: "string" },
  port: { type: "string" },
  allowed: { type: "boolean" },
  denied: { type: "boolean" },
  explain: { type: "boolean" },
  full: { type: "boolean" },
  exposure: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** `ns/name` or `ns/` (a whole namespace), checked for shape; whether it exists is the command's business. */
function podSelector(option: string, value: string | undefined): PodSelector | undefined {
  if (value === undefined) return undefined;
  const m = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/([a-z0-9]([-a-z0-9.]*[a-z0-9])?)?$/.exec(value);
  if (!m) throw new UsageError(`--${option} ${JSON.stringify(value)} is not ns/name or ns/ (a whole namespace)`);
  return { namespace: m[1], ...(m[3] ? { name: m[3] } : {}) };
}

function queryOf(values: Parsed["values"]): MatrixQuery {
  if (values.allowed && values.denied) throw new UsageError("--allowed and --denied contradict each other");
  const port = values.port as string | undefined;
  if (port !== undefined && (!/^\d+$/.test(port) || Number(port) < 1 || Number(port) > 65535)) {
    throw new UsageError(`--port ${JSON.stringify(port)} is not a port number (1-65535)`);
  }
  const from = podSelector("from", values.from as string | undefined);
  const to = podSelector("to", values.to as string | undefined);
  return {
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
    ...(port !== undefined ? { port: Number(port) } : {}),
    ...(values.allowed ? { allowed: true } : values.denied ? { allowed: false } : {}),
  };
}

export const MANIFESTS_OPTIONS = { stack: { type: "string", short: "s" }, help: { type: "boolean", short: "h" } } as const;

export function parseConnectivityArgs(argv: string[]): ConnectivityArgs {
  const { values, positionals } = parse(argv, CONNECTIVITY_OPTIONS, true);
  if (values.help) return { help: true };
  const kubeconfig = values.kubeconfig as string | undefined;
  const context = values.context as string | undefined;
  if (context !== undefined && kubeconfig === undefined) throw new UsageError("--context selects a context of --kubeconfig FILE; pass the kubeconfig too");
  if (kubeconfig !== undefined) {
    if (kubeconfig.trim() === "") throw new UsageError("--kubeconfig needs a file");
    if (positionals.length > 0) throw new UsageError("--kubeconfig reads a live cluster; with PATH the manifests are analysed instead, so drop one of them");
    if (values.stack !== undefined) throw new UsageError("--kubeconfig reads a live cluster; --stack reads the stack's config, so drop one of them");
    if (values.probes || values["no-probes"]) throw new UsageError("--probes/--no-probes add probe pods to the stack's objects; a live cluster has its own pods");
  }
  const format = (values.format as string | undefined) ?? "table";
  if (!(REPORT_FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`--format ${JSON.stringify(format)} is not a format; expected one of ${REPORT_FORMATS.join(", ")}`);
  }
  if ((values.probes || values["no-probes"]) && positionals.length > 0) {
    throw new UsageError("--probes/--no-probes choose probe pods for the stack's own objects; they cannot be combined with PATH");
  }
  if (values.probes && values["no-probes"]) throw new UsageError("--probes and --no-probes contradict each other");
  // The stack deploys no caller, so without probes its matrix would be empty.
  const probes = positionals.length === 0 && values["no-probes"] !== true;
  if (values.stack !== undefined && positionals.length > 0) {
    throw new UsageError("--stack selects the stack's own objects; with PATH the manifests are analysed instead, so drop one of them");
  }
  const stack = stackName(values.stack as string | undefined);
  const source: ConnectivitySource =
    kubeconfig !== undefined
      ? { kind: "live", kubeconfig, ...(context !== undefined ? { context } : {}) }
      : positionals.length > 0
        ? { kind: "paths", paths: positionals }
        : { kind: "stack", stack, probes };
  const query = queryOf(values);
  const exposure = values.exposure === true;
  if (exposure && (query.from || query.allowed !== undefined)) throw new UsageError("--exposure answers who could reach a destination; --from, --allowed and --denied do not apply (use --to and --port)");
  if (exposure && (format === "csv" || format === "mermaid")) throw new UsageError(`--exposure prints table or json, not ${format}`);
  if (values.explain && exposure) throw new UsageError("--explain adds reasons to connections; --exposure already says what each way in is");
  if (values.explain && (format === "table" || format === "mermaid")) {
    throw new UsageError("--explain adds each connection's reason and deciding policies to json and csv; the table always shows why (its WHY column) and the picture has no room for it");
  }
  return { help: false, format: format as ReportFormat, source, query, explain: values.explain === true, exposure, full: values.full === true };
}

export function parseManifestsArgs(argv: string[]): ManifestsArgs {
  const { values } = parse(argv, MANIFESTS_OPTIONS, false);
  if (values.help) return { help: true };
  return { help: false, stack: stackName(values.stack as string | undefined) };
}

/** Where a command writes; tests pass collectors, the entry points pass process streams. */
export interface CommandIO {
  stdout: (text: string) => void;
  /** Bytes that are already UTF-8 (large reports); decoded and given to `stdout` when unset. */
  stdoutBytes?: (bytes: Uint8Array) => void;
  stderr: (text: string) => void;
  /** Directory holding Pulumi.yaml; the process's cwd when unset. */
  projectDir?: string;
  /**
   * The process environment, for a real process only: relative paths are then resolved against
   * INIT_CWD (where the user typed `npm run`), and flags npm took for itself are reported.
   */
  env?: NodeJS.ProcessEnv;
  /** The `npm run` command line that started the process (npmRun.ts), to see the flags npm took. */
  npmCommandLine?: (script: string) => string[] | undefined;
}

/** The IO of a real process. */
export const processIO: CommandIO = {
  // Synchronous, with backpressure: see stdout.ts.
  stdout: (text) => writeAllSync(1, text),
  stdoutBytes: (bytes) => writeAllSync(1, bytes),
  stderr: (text) => void process.stderr.write(text),
  env: process.env,
};

