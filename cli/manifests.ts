/**
 * `npm run --silent manifests -- [--stack NAME]`: the stack's Kubernetes objects as multi-document
 * YAML, for `kubectl apply --dry-run=server -f -`, for review, and as input to `connectivity`.
 */
import { stringify } from "yaml";
import { ConfigError } from "../core/config";
import type { KubeObject } from "../core/netpol";
import { EXIT_USAGE, MANIFESTS_USAGE, parseManifestsArgs, processIO, UsageError, type CommandIO } from "./args";
import { stackInput } from "./stackInput";

/** Objects as `---`-separated YAML documents, keys in the order they were built, no line folding. */
export function manifestsYaml(objects: readonly KubeObject[]): string {
  return objects.map((o) => `---\n${stringify(o, { lineWidth: 0 })}`).join("");
}

/** Runs the command; returns the exit code. */
export function main(argv: string[], io: CommandIO = processIO): number {
  try {
    const args = parseManifestsArgs(argv);
    if (args.help) {
      io.stdout(`${MANIFESTS_USAGE}\n`);
      return 0;
    }
    io.stdout(manifestsYaml(stackInput(args.stack, false, io.projectDir).deployed));
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`manifests: ${err.message}\nRun with --help for usage.\n`);
      return EXIT_USAGE;
    }
    if (err instanceof ConfigError) {
      io.stderr(`manifests: ${err.message}\n`);
      return EXIT_USAGE;
    }
    throw err;
  }
}

if (require.main === module) {
  process.stdout.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") process.exit(0);
    throw err;
  });
  process.exitCode = main(process.argv.slice(2));
}
