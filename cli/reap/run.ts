/**
 * The reaper's orchestration over any ReapWorkspace: read every stack, decide, destroy what expired.
 * One failing stack never stops the others; the caller turns failures into a non-zero exit.
 */
import { planReap, type ReapResult, type StackSummary } from "../../core/reap";
import type { ReapWorkspace, StackSettings } from "./workspace";

export const PROJECT = "prices-api-netpol";

export interface ReapOptions {
  now: Date;
  dryRun: boolean;
  /** Progress and Pulumi's destroy output. */
  log: (text: string) => void;
  /** One line per destroyed stack: stack, reason, expiry and time. `stack rm` erases the stack's history, so this is the audit trail. */
  audit?: (line: string) => void;
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
  const resources = settings.protectedResources ?? [];
  if (resources.length > 0) protectedBy.push(`Pulumi protect is set on ${resources.slice(0, 3).join(", ")}${resources.length > 3 ? ` and ${resources.length - 3} more` : ""}`);
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
  };
}

/** The audit line of one destroy, as JSON so it greps and parses. */
export function auditLine(stack: string, reason: string, expiresAt: string | undefined, at: Date): string {
  return JSON.stringify({ event: "reap-destroyed", stack, reason, expiresAt: expiresAt ?? null, at: at.toISOString() });
}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err)).trim().split("\n").slice(-3).join(" ");

export async function runReap(ws: ReapWorkspace, opts: ReapOptions): Promise<ReapRun> {
  const results: ReapResult[] = [];
  let failures = 0;
  const summaries: StackSummary[] = [];
  for (const listed of await ws.listStacks()) {
    try {
      summaries.push(summarize(listed.name, await ws.stackSettings(listed.name), listed.lastUpdate));
    } catch (err) {
      // Never destroy what we cannot read; report it and fail the run so someone looks.
      failures++;
      results.push({ stack: listed.name, decision: "invalid-expiry", reason: "settings unreadable", result: `failed: cannot read config/outputs: ${messageOf(err)}` });
    }
  }
  for (const entry of planReap(summaries, opts.now)) {
    if (entry.decision !== "destroy") {
      results.push({ ...entry, result: entry.decision === "invalid-expiry" ? `kept; warning: ${entry.reason}` : `kept (${entry.reason})` });
      continue;
    }
    if (opts.dryRun) {
      results.push({ ...entry, result: `would destroy (${entry.reason})` });
      continue;
    }
    opts.log(`reap: destroying ${entry.stack} (${entry.reason})\n`);
    try {
      await ws.destroy(entry.stack, opts.log);
    } catch (err) {
      failures++;
      results.push({ ...entry, result: `failed: destroy: ${messageOf(err)}` });
      continue;
    }
    opts.audit?.(auditLine(entry.stack, entry.reason, entry.expiresAt, new Date()));
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
