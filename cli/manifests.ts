/**
 * `npm run --silent manifests -- [--stack NAME]`: the stack's Kubernetes objects as multi-document
 * YAML, for `kubectl apply --dry-run=server -f -`, for review, and as input to `connectivity`.
 */
import { Document, isScalar, visit } from "yaml";
import type { KubeObject } from "../core/netpol";
import { kubectlReadsPlainAsText } from "../core/netpol/kubectlScalars";
import { MANIFESTS_OPTIONS, MANIFESTS_USAGE, parseManifestsArgs, processIO, UsageError, type CommandIO } from "./args";
import { npmAteFlags, npmFlagsOf } from "./npmRun";
import { runAsProcess, runCommand } from "./command";
import { stackInput } from "./stackInput";

/**
 * Objects as `---`-separated YAML documents, keys in the order they were built, no line folding.
 * The yaml package writes YAML 1.2, where `on` or `010` is plain text; kubectl reads YAML 1.1, so
 * every string it would read as something else is quoted.
 */
export function manifestsYaml(objects: readonly KubeObject[]): string {
  return objects
    .map((o) => {
      const doc = new Document(o, { aliasDuplicateObjects: false });
      visit(doc, {
        Scalar(_key, node) {
          if (isScalar(node) && typeof node.value === "string" && !kubectlReadsPlainAsText(node.value)) node.type = "QUOTE_DOUBLE";
        },
      });
      return `---\n${doc.toString({ lineWidth: 0 })}`;
    })
    .join("");
}

/** Runs the command; returns the exit code. */
export function main(argv: string[], io: CommandIO = processIO): number {
  return runCommand("manifests", io, () => {
    const ate = io.env && npmAteFlags("manifests", npmFlagsOf(MANIFESTS_OPTIONS), argv, io.env, io.npmCommandLine?.("manifests"));
    if (ate) throw new UsageError(ate);
    const args = parseManifestsArgs(argv);
    if (args.help) {
      io.stdout(`${MANIFESTS_USAGE}\n`);
      return 0;
    }
    io.stdout(manifestsYaml(stackInput(args.stack, false, io.projectDir).deployed));
    return 0;
  });
}

if (require.main === module) runAsProcess(main);
