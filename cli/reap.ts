/**
 * `npm run reap -- [--dry-run] [--now ISO]`: destroys expired, unprotected demo stacks (see
 * cli/reap/command.ts for the rules and exit codes). This file only wires the real process and Pulumi.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { passphraseMap } from "../core/reapPassphrase";
import { EXIT_USAGE } from "./args";
import { exitIfNpmAteFlags } from "./npmRun";
import { EXIT_FAILED, main } from "./reap/command";
import { pulumiWorkspace } from "./reap/pulumiWorkspace";

/** The stacks this repository declares: one Pulumi.<stack>.yaml each. */
export function declaredStacks(projectDir: string): string[] {
  return fs
    .readdirSync(projectDir)
    .map((f) => /^Pulumi\.(.+)\.ya?ml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();
}

if (require.main === module) {
  const projectDir = path.resolve(__dirname, "..");
  // `npm run reap --dry-run` hands the reaper no flag at all; stop rather than decide without it.
  exitIfNpmAteFlags("reap", [{ name: "dry-run", value: false }, { name: "yes", short: "y", value: false }, { name: "now", value: true }, { name: "help", short: "h", value: false }]);
  try {
    passphraseMap(process.env.REAP_PASSPHRASES);
  } catch (err) {
    process.stderr.write(`reap: ${(err as Error).message}\n`);
    process.exit(EXIT_USAGE);
  }
  main(process.argv.slice(2), {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    searchPath: process.env.PATH,
    workspace: () => pulumiWorkspace(projectDir),
    declaredStacks: declaredStacks(projectDir),
    ...(process.env.REAP_AUDIT_LOG ? { auditLog: process.env.REAP_AUDIT_LOG } : {}),
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
