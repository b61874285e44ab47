/** The command line of `npm run conformance`. Pure: returns what to do, or throws UsageError. */
import { parseArgs } from "node:util";
import { UsageError } from "../args";

export const CONFORMANCE_USAGE = `Usage: npm run conformance -- --kubeconfig FILE [--context NAME] [--cases DIR...] [--generate N --seed S] [--format table|json]

Holds the NetworkPolicy engine against real packets: creates the cases' namespaces, server pods and
policies on the cluster (in throw-away namespaces nc-<run id>-<namespace>), probes from every pod to
every other pod on every declared port and protocol, and compares each cell with the engine's
prediction for the objects the cluster returned. Deletes every namespace it created afterwards.

  -k, --kubeconfig FILE   the cluster to run on (required)
  -c, --context NAME      kubeconfig context (default: its current one)
      --cases DIR...      case folders or files, or folders of cases (tests/fixtures/conformance:
                          upstream's netpol e2e tests); a case is plain manifests (Namespaces,
                          Pods with containerPorts, NetworkPolicies), optionally in step1/, step2/...
      --generate N        N cases from the seeded generator (with --seed S)
      --seed S            the generator's seed (0 to 4294967295)
  -f, --format F          table (default: truth tables and a summary) or json
      --image IMAGE       the server image (default: localhost/agnhost:2.59 when every node has it,
                          as the local cluster does, else the pinned upstream agnhost by digest)
  -h, --help              this help

Progress goes to stderr, the report to stdout. Exit 0 when the engine and the packets agree on every
cell (known enforcer deviations aside), 1 on any disagreement, a probe without an answer or no
reachable cluster, 2 on bad arguments or bad cases, 130 when interrupted.
Leftovers of a killed run: kubectl delete namespaces -l app.kubernetes.io/managed-by=netpol-conformance`;

export const CONFORMANCE_FORMATS = ["table", "json"] as const;
export type ConformanceFormat = (typeof CONFORMANCE_FORMATS)[number];

export type ConformanceArgs =
  | { help: true }
  | {
      help: false;
      kubeconfig: string;
      context?: string;
      cases: string[];
      generate?: { count: number; seed: number };
      format: ConformanceFormat;
      image?: string;
    };

export const CONFORMANCE_OPTIONS = {
  kubeconfig: { type: "string", short: "k" },
  context: { type: "string", short: "c" },
  cases: { type: "string", multiple: true },
  generate: { type: "string" },
  seed: { type: "string" },
  format: { type: "string", short: "f" },
  image: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

const MAX_GENERATED = 1000;

function integer(option: string, value: string, min: number, max: number): number {
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) throw new UsageError(`--${option} ${JSON.stringify(value)} is not a whole number from ${min} to ${max}`);
  return Number(value);
}

export function parseConformanceArgs(argv: string[]): ConformanceArgs {
  let values: Record<string, string | string[] | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: argv, options: CONFORMANCE_OPTIONS, allowPositionals: true, strict: true }));
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/\. To specify a positional argument.*$/s, ""));
  }
  if (values.help) return { help: true };
  const kubeconfig = values.kubeconfig as string | undefined;
  if (kubeconfig === undefined || kubeconfig.trim() === "") throw new UsageError("--kubeconfig FILE is required: conformance creates pods on that cluster and probes them");
  const context = values.context as string | undefined;
  if (context === "") throw new UsageError("--context needs a context name");
  // `--cases a b c`: the folders after the first are positionals.
  const cases = [...((values.cases as string[] | undefined) ?? []), ...positionals];
  if (positionals.length > 0 && values.cases === undefined) throw new UsageError(`${positionals[0]}: case folders follow --cases (--cases ${positionals.join(" ")})`);
  const generate = values.generate as string | undefined;
  const seed = values.seed as string | undefined;
  if ((generate === undefined) !== (seed === undefined)) throw new UsageError("--generate N and --seed S go together: the seed makes the generated cases the same on every run");
  if (cases.length === 0 && generate === undefined) throw new UsageError("nothing to run: give --cases DIR (e.g. tests/fixtures/conformance) and/or --generate N --seed S");
  const format = (values.format as string | undefined) ?? "table";
  if (!(CONFORMANCE_FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format ${JSON.stringify(format)} is not a format; expected one of ${CONFORMANCE_FORMATS.join(", ")}`);
  const image = values.image as string | undefined;
  if (image !== undefined && !/^[a-z0-9][a-z0-9._\-/:@]*$/.test(image)) throw new UsageError(`--image ${JSON.stringify(image)} is not an image reference`);
  return {
    help: false,
    kubeconfig,
    ...(context !== undefined ? { context } : {}),
    cases,
    ...(generate !== undefined ? { generate: { count: integer("generate", generate, 1, MAX_GENERATED), seed: integer("seed", seed!, 0, 4294967295) } } : {}),
    format: format as ConformanceFormat,
    ...(image !== undefined ? { image } : {}),
  };
}
