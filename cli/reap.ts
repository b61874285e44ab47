/**
 * `npm run reap -- [--dry-run] [--now ISO]`: destroys expired, unprotected demo stacks (see
 * cli/reap/command.ts for the rules and exit codes). This file only wires the real process and Pulumi.
 */
import * as path from "node:path";
import { EXIT_FAILED, main } from "./reap/command";
import { pulumiWorkspace } from "./reap/pulumiWorkspace";

if (require.main === module) {
  const projectDir = path.resolve(__dirname, "..");
  main(process.argv.slice(2), {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    searchPath: process.env.PATH,
    workspace: () => pulumiWorkspace(projectDir),
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`reap: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = EXIT_FAILED;
    },
  );
}
