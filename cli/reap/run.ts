/**
 * The reaper's orchestration over any ReapWorkspace: read every stack, decide, destroy what expired.
 * One failing stack never stops the others; the caller turns failures into a non-zero exit.
 */
import { planReap, type ReapResult, type StackSummary } from "../../core/reap";
import { passphraseVariable } from "../../core/reapPassphrase";
import { destroyedResources, foreignAzureResources, urnName } from "../../core/reapState";
import type { ReapWorkspace, StackSettings } from "./workspace";

export const PROJECT = "prices-api-netpol";

export interface ReapOptions {
  now: Date;
  dryRun: boolean;
  /** Progress and Pulumi's destroy output. */
  log: (text: string) => void;
  /** One line per destroyed stack: stack, reason, expiry, what was destroyed and time. `stack rm` erases the stack's history, so this is the audit trail. */
  audit?: (line: string) => void;
  /** Lines for the user (stdout): what each destroy will delete, before it does. */
  report?: (text: string) => void;
  /** The stacks this repository declares (its Pulumi.<stack>.yaml files); a backend with none of them is the wrong one. */
  declaredStacks?: readonly string[];
}

/** The backend holds none of the stacks this repository declares: most likely PULUMI_BACKEND_URL names another one. */
export class WrongBackendError extends Error {
  constructor(listed: readonly string[], declared: readonly string[]) {
    super(
      `${listed.length === 0 ? "the backend holds no stacks of this project" : `the backend holds none of this repository's stacks (it has ${listed.join(", ")})`}; ` +
        `this repository declares ${declared.join(", ")} (its Pulumi.<stack>.yaml files). Is PULUMI_BACKEND_URL the shared backend? Nothing was decided or destroyed.`,
    );
    this.name = "WrongBackendError";
  }
}

export interface ReapRun {
  results: ReapResult[];
  failures: number;
}

const text = (v: unknown): string | undefined => (typeof v === "string" && v.trim() !== "" ? v.trim() : undefined);

/**
 * A stack's reaper settings. Protected means protected wherever it is said: `protect: true` in the
 * stack file, a true `protect` output (for checkouts without the stack file), or any resource with
 * Pulumi protect in the state. The expiry comes from the stack file; only when the checkout has no
 * stack file do the last outputs stand in for it. When both speak and disagree (an expiresAt
 * removed from the file, or changed without an `up`), the stack is kept and the table says why.
 */
export function summarize(name: string, settings: StackSettings, lastUpdate?: string): StackSummary {
  const hasStackFile = settings.hasStackFile ?? true;
  const configured = text(settings.config[`${PROJECT}:expiresAt`]);
  const output = text(settings.outputs.expiresAt);
  const protectedBy: string[] = [];
  if (settings.config[`${PROJECT}:protect`] === "true") protectedBy.push("protect is true in the stack file");
  if (settings.outputs.protect === true || settings.outputs.protect === "true") protectedBy.push("protect is true in the last outputs");
  const state = settings.resources ?? [];
  const protectedNames = state.filter((r) => r.protect === true).map((r) => urnName(r.urn));
  if (protectedNames.length > 0) protectedBy.push(`Pulumi protect is set on ${protectedNames.slice(0, 3).join(", ")}${protectedNames.length > 3 ? ` and ${protectedNames.length - 3} more` : ""}`);
  // Only a name from the checkout's stack file anchors the group: the state and outputs are what is in doubt.
  const groupName = hasStackFile ? text(settings.config[`${PROJECT}:resourceGroupName`]) : undefined;
  const foreign = foreignAzureResources(state, groupName);
  let expiresAt = configured;
  let conflict: string | undefined;
  if (!hasStackFile) expiresAt = output;
  else if (configured !== output && output !== undefined) {
    conflict = `the stack file says expiresAt ${configured ?? "(none)"}, the last outputs say ${output}; kept until they agree (pulumi up, or set it again)`;
  }
  return {
    name,
    protect: protectedBy.length > 0,
    ...(protectedBy.length > 0 ? { protectReason: protectedBy.join("; ") } : {}),
    ...(conflict ? { conflict } : {}),
    ...(expiresAt !== undefined ? { expiresAt } : {}),
    ...(lastUpdate ? { lastUpdate } : {}),
    ...(foreign.length > 0 ? { foreign } : {}),
    ...(settings.resources ? { resources: destroyedResources(state) } : {}),
  };
}

/** The audit line of one destroy, as JSON so it greps and parses: what was destroyed, from the state, included. */
export function auditLine(stack: string, reason: string, expiresAt: string | undefined, at: Date, resources: ReadonlyArray<{ type: string; name: string }> = []): string {
  return JSON.stringify({ event: "reap-destroyed", stack, reason, expiresAt: expiresAt ?? null, resources, at: at.toISOString() });
}

/** "N resources (from its state):" and one indented "type name" line each. */
export function resourceLines(resources: ReadonlyArray<{ type: string; name: string }>): string {
  if (resources.length === 0) return "no resources (its state is empty)\n";
  return `${resources.length} resource${resources.length === 1 ? "" : "s"} (from its state):\n${resources.map((r) => `  ${r.type} ${r.name}\n`).join("")}`;
}

/** Why a stack's settings could not be read, in words that say what to do. */
function unreadableReason(stack: string, err: unknown): string {
  const text = messageOf(err);
  if (/passphrase|decrypt|secrets? manager/i.test(text)) {
    return `its secrets cannot be decrypted (${text}); give it its passphrase in ${passphraseVariable(stack)} or REAP_PASSPHRASES[${JSON.stringify(stack)}]`;
  }
  return `its config, outputs or state cannot be read: ${text}`;
}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err)).trim().split("\n").slice(-3).join(" ");

export async function runReap(ws: ReapWorkspace, opts: ReapOptions): Promise<ReapRun> {
  const results: ReapResult[] = [];
  let failures = 0;
  const summaries: StackSummary[] = [];
  const listedStacks = await ws.listStacks();
  if (opts.declaredStacks && !listedStacks.some((l) => opts.declaredStacks!.includes(l.name))) {
    throw new WrongBackendError(listedStacks.map((l) => l.name), opts.declaredStacks);
  }
  for (const listed of listedStacks) {
    try {
      summaries.push(summarize(listed.name, await ws.stackSettings(listed.name), listed.lastUpdate));
    } catch (err) {
      // Never destroy what we cannot read; keep it, say why, and fail the run so someone looks.
      failures++;
      const reason = unreadableReason(listed.name, err);
      results.push({ stack: listed.name, decision: "keep-unreadable", reason, result: `kept; failed: ${reason}` });
    }
  }
  for (const entry of planReap(summaries, opts.now)) {
    if (entry.decision === "keep-foreign-resources") {
      failures++;
      results.push({ ...entry, result: `kept; failed: ${entry.reason}` });
      continue;
    }
    if (entry.decision !== "destroy") {
      results.push({ ...entry, result: entry.decision === "invalid-expiry" ? `kept; warning: ${entry.reason}` : `kept (${entry.reason})` });
      continue;
    }
    const resources = entry.resources ?? [];
    if (opts.dryRun) {
      opts.report?.(`reap: ${entry.stack} would destroy ${resourceLines(resources)}`);
      results.push({ ...entry, result: `would destroy (${entry.reason})` });
      continue;
    }
    opts.report?.(`reap: ${entry.stack} (${entry.reason}): destroying ${resourceLines(resources)}`);
    opts.log(`reap: destroying ${entry.stack} (${entry.reason})\n`);
    try {
      await ws.destroy(entry.stack, opts.log);
    } catch (err) {
      failures++;
      results.push({ ...entry, result: `failed: destroy: ${messageOf(err)}` });
      continue;
    }
    opts.audit?.(auditLine(entry.stack, entry.reason, entry.expiresAt, new Date(), resources));
    try {
      await ws.removeStack(entry.stack);
      results.push({ ...entry, result: "destroyed and removed" });
    } catch (err) {
      failures++;
      results.push({ ...entry, result: `failed: destroyed, but stack not removed: ${messageOf(err)}` });
    }
  }
  results.sort((a, b) => a.stack.localeCompare(b.stack));
  return { results, failures };
}
