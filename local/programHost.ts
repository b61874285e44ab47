/**
 * Child process of `npm run local` and the e2e: one `preview` or `up` of a Pulumi TypeScript program with the real CLI
 * and engine, through the Automation API.
 *
 * Why not `pulumi preview` itself: that command starts the Node.js language host
 * (pulumi-language-nodejs), whose Go module the module proxy here does not serve (see README, "What
 * npm run e2e proves"). The Automation API runs the same program with the same CLI, engine,
 * providers and policy packs; only the host of the Node.js program differs: it is @pulumi/pulumi's
 * own language server in this process (`pulumi preview --client=...`), instead of a process
 * started by pulumi-language-nodejs.
 *
 * Usage: node -r ts-node/register/transpile-only local/programHost.ts SPEC_JSON
 * Writes the result (the steps planned or taken, and the diagnostics) as JSON to spec.resultFile; exits 1 when
 * Pulumi reports an error (its output is on stdout/stderr).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { LocalWorkspace, PulumiCommand, Stack, type EngineEvent } from "@pulumi/pulumi/automation";

export interface ProgramSpec {
  operation: "preview" | "up";
  /** Directory holding Pulumi.yaml, the stack files and the program, index.ts. */
  projectDir: string;
  stack: string;
  /** Folder that holds bin/pulumi. */
  pulumiRoot: string;
  policyPacks?: string[];
  expectNoChanges?: boolean;
  resultFile: string;
}

/** One resource step the engine planned or took. */
export interface ProgramStep {
  op: string;
  urn: string;
  type: string;
  diffs: string[];
}

export interface ProgramResult {
  steps: ProgramStep[];
  /** Messages the program and providers logged (info and up), as the engine reported them. */
  diagnostics: Array<{ severity: string; message: string }>;
}

async function main(spec: ProgramSpec): Promise<void> {
  const entry = path.resolve(spec.projectDir, "index.ts");
  const steps: ProgramStep[] = [];
  const diagnostics: ProgramResult["diagnostics"] = [];
  const onEvent = (event: EngineEvent) => {
    const m = event.resourcePreEvent?.metadata;
    if (m) steps.push({ op: m.op, urn: m.urn, type: m.type, diffs: m.diffs ?? [] });
    const d = event.diagnosticEvent;
    if (d) diagnostics.push({ severity: d.severity, message: d.message.trim() });
  };
  const pulumiCommand = await PulumiCommand.get({ root: spec.pulumiRoot });
  const ws = await LocalWorkspace.create({
    workDir: spec.projectDir,
    pulumiCommand,
    // The program module itself: its exports are the stack outputs, as with `pulumi up`.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loading the user's program is what a host does
    program: async () => require(entry),
  });
  const stack = await Stack.select(spec.stack, ws);
  const onOutput = (text: string) => void process.stdout.write(text);
  const common = { onOutput, onEvent, color: "never" as const, ...(spec.policyPacks ? { policyPacks: spec.policyPacks } : {}) };
  if (spec.operation === "preview") await stack.preview({ ...common, diff: true, ...(spec.expectNoChanges ? { expectNoChanges: true } : {}) });
  else await stack.up(common);
  const result: ProgramResult = { steps, diagnostics };
  fs.writeFileSync(spec.resultFile, JSON.stringify(result, null, 2));
}

if (require.main === module) {
  main(JSON.parse(process.argv[2]) as ProgramSpec).catch((err: unknown) => {
    // The Automation API's error carries Pulumi's stderr; that is what tells a user what went wrong.
    const e = err as { stderr?: string; message?: string };
    process.stderr.write(`${(e.stderr || e.message || String(err)).trim()}\n`);
    process.exitCode = 1;
  });
}
