/** What every offline command shares: known errors become a message and exit 2, and a closed pipe is not an error. */
import { ConfigError } from "../core/config";
import { ManifestError } from "../core/netpol";
import { EXIT_USAGE, processIO, UsageError, type CommandIO } from "./args";
import { npmRunCommandLine } from "./npmRun";

/**
 * Runs `body`; a UsageError, ManifestError or ConfigError prints `<command>: message` (no stack
 * trace) and returns 2. Anything else is a bug and propagates with its stack.
 */
export function runCommand(command: string, io: CommandIO, body: () => number): number {
  try {
    return body();
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`${command}: ${err.message}\nRun with --help for usage.\n`);
      return EXIT_USAGE;
    }
    if (err instanceof ManifestError || err instanceof ConfigError) {
      io.stderr(`${command}: ${err.message}\n`);
      return EXIT_USAGE;
    }
    throw err;
  }
}

/** Entry point of a command module run by node: `| head` closing the pipe early ends it quietly. */
export function runAsProcess(main: (argv: string[], io: CommandIO) => number | Promise<number>): void {
  process.stdout.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") process.exit(0);
    throw err;
  });
  const code = main(process.argv.slice(2), { ...processIO, npmCommandLine: (script) => npmRunCommandLine(script) });
  if (typeof code === "number") process.exitCode = code;
  else void code.then((c) => (process.exitCode = c));
}
