/**
 * `npm run --silent connectivity -- [--format F] [--stack NAME] [--no-probes] [PATH...]`: who can
 * reach whom, for manifests on disk or for the stack's own objects. The analysis is the output,
 * so it exits 0 even when traffic is open; the intent gate is what fails builds.
 */
import { buildModel, computeMatrix, lintModel, loadManifestPaths, type IgnoredObject } from "../core/netpol";
import { reportChunks } from "../core/report";
import { CONNECTIVITY_USAGE, parseConnectivityArgs, processIO, type CommandIO } from "./args";
import { runAsProcess, runCommand } from "./command";
import { stackInput } from "./stackInput";

/** "ignored: 3 objects of kinds ConfigMap, Secret" (the engine models namespaces, pods, workloads and policies only). */
export function ignoredLine(ignored: readonly IgnoredObject[]): string {
  const kinds = [...new Set(ignored.map((i) => i.kind))].sort();
  const n = ignored.length;
  return `ignored: ${n} object${n === 1 ? "" : "s"} of kind${kinds.length === 1 ? "" : "s"} ${kinds.join(", ")}`;
}

/** Writes pieces in ~64 KiB batches: one write per piece would cost a syscall per connection. */
function writeBatched(chunks: Iterable<string>, write: (text: string) => void): void {
  let buffer = "";
  for (const chunk of chunks) {
    buffer += chunk;
    if (buffer.length >= 65536) {
      write(buffer);
      buffer = "";
    }
  }
  if (buffer.length > 0) write(buffer);
}

/** Runs the command; returns the exit code. Unexpected errors (bugs) propagate with their stack. */
export function main(argv: string[], io: CommandIO = processIO): number {
  return runCommand("connectivity", io, () => {
    const args = parseConnectivityArgs(argv);
    if (args.help) {
      io.stdout(`${CONNECTIVITY_USAGE}\n`);
      return 0;
    }
    const input = args.paths.length > 0 ? { deployed: loadManifestPaths(args.paths), probes: [] } : stackInput(args.stack, args.probes, io.projectDir);
    const { model, ignored } = buildModel([...input.deployed, ...input.probes]);
    const matrix = computeMatrix(model);
    // Lint what is deployed: probe pods are not workloads and need no default-deny of their own.
    const warnings = lintModel(input.probes.length > 0 ? buildModel(input.deployed).model : model);
    for (const w of warnings) io.stderr(`warning [${w.code}] ${w.message}\n`);
    if (ignored.length > 0) io.stderr(`${ignoredLine(ignored)}\n`);
    if (matrix.count === 0 && args.paths.length === 0 && !args.probes) {
      io.stderr("hint: the stack deploys no caller pods, so there is nothing to connect; drop --no-probes to add the intent gate's probe pods\n");
    }
    writeBatched(reportChunks(args.format, matrix, warnings, ignored), io.stdout);
    return 0;
  });
}

if (require.main === module) runAsProcess(main);
