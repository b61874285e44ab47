/**
 * The `reap` command over injected IO and workspace: `npm run reap -- [--dry-run] [--now ISO]`
 * destroys demo stacks whose expiresAt has passed and that are not protected, then removes them.
 * Prints a table of every stack and what happened.
 * Exit codes: 0 done, 1 some stack could not be read (its secrets not decrypted), was refused (Azure
 * resources outside its own group), or could not be destroyed or removed, or the backend holds none
 * of this repository's stacks; 2 bad arguments or REAP_PASSPHRASES; 3 Pulumi CLI missing.
 */
import * as fs from "node:fs";
import { formatReapTable, parseReapArgs } from "../../core/reap";
import { runReap, WrongBackendError } from "./run";
import { EXIT_USAGE } from "../args";
import { findPulumiCli, PULUMI_MISSING, type ReapWorkspace } from "./workspace";

export { EXIT_USAGE };

export const REAP_USAGE = `Usage: npm run reap -- [--dry-run [--now ISO] | --yes]
  --yes       destroy the expired stacks; without it the reaper only shows what it would do
  --dry-run   print what would be destroyed; change nothing
  --now ISO   with --dry-run: decide as if it were this instant (e.g. 2026-12-31T18:00:00Z)
A stack is destroyed when prices-api-netpol:expiresAt (or its expiresAt output) has passed and protect is not true,
and never when its state holds an Azure resource outside its own resource group.
A date without time (2026-12-31) expires at the END of that day, UTC.
Passphrases: PULUMI_CONFIG_PASSPHRASE_<STACK> (demo-alice: PULUMI_CONFIG_PASSPHRASE_DEMO_ALICE), else the
stack's entry in REAP_PASSPHRASES (a JSON object of stack name to passphrase), else PULUMI_CONFIG_PASSPHRASE.`;

export const EXIT_FAILED = 1;
export const EXIT_NO_PULUMI = 3;

export interface ReapIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** PATH to search for the Pulumi CLI. */
  searchPath: string | undefined;
  /** Builds the workspace once the CLI is known to exist. */
  workspace: () => Promise<ReapWorkspace>;
  clock?: () => Date;
  /** File the audit lines are appended to as well (REAP_AUDIT_LOG; the workflow keeps it as an artifact). */
  auditLog?: string;
  /** The stacks this repository declares (Pulumi.<stack>.yaml): the backend must hold at least one of them. */
  declaredStacks: readonly string[];
}

export async function main(argv: string[], io: ReapIO): Promise<number> {
  let args: ReturnType<typeof parseReapArgs>;
  try {
    args = parseReapArgs(argv, io.clock);
  } catch (err) {
    io.stderr(`reap: ${(err as Error).message}\n${REAP_USAGE}\n`);
    return EXIT_USAGE;
  }
  if (args.help) {
    io.stdout(`${REAP_USAGE}\n`);
    return 0;
  }
  if (findPulumiCli(io.searchPath) === undefined) {
    io.stderr(`reap: ${PULUMI_MISSING}\n`);
    return EXIT_NO_PULUMI;
  }
  // Without --yes nothing is destroyed: a person at a terminal sees the plan and the command to repeat.
  const dryRun = args.dryRun || !args.yes;
  io.stdout(`reap: ${dryRun ? "dry run, nothing is changed; " : ""}deciding as of ${args.now.toISOString()}\n`);
  const audit = (line: string) => {
    io.stdout(`reap: audit ${line}\n`);
    if (io.auditLog) fs.appendFileSync(io.auditLog, `${line}\n`);
  };
  let run: Awaited<ReturnType<typeof runReap>>;
  try {
    run = await runReap(await io.workspace(), { now: args.now, dryRun, log: io.stderr, audit, report: io.stdout, declaredStacks: io.declaredStacks });
  } catch (err) {
    if (!(err instanceof WrongBackendError)) throw err;
    io.stderr(`reap: ${err.message}\n`);
    return EXIT_FAILED;
  }
  const { results, failures } = run;
  io.stdout(formatReapTable(results));
  if (!args.dryRun && !args.yes && results.some((r) => r.decision === "destroy")) {
    io.stdout("reap: nothing was destroyed; to destroy the stacks marked destroy, run: npm run reap -- --yes\n");
  }
  if (failures > 0) {
    io.stderr(`reap: ${failures} stack${failures === 1 ? "" : "s"} failed; see the table above.\n`);
    return EXIT_FAILED;
  }
  return 0;
}
