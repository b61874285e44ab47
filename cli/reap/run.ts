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
}

export interface ReapRun {
  results: ReapResult[];
  failures: number;
}

/**
 * A stack's reaper settings: config first (`prices-api-netpol:expiresAt` / `:protect`, what the team
 * declared), else the `expiresAt` output the program stamps (state outlives a missing stack file).
 */
export function summarize(name: string, settings: StackSettings, lastUpdate?: string): StackSummary {
  const configured = settings.config[`${PROJECT}:expiresAt`];
  const output = settings.outputs.expiresAt;
  const expiresAt = configured !== undefined && configured.trim() !== "" ? configured : typeof output === "string" && output.trim() !== "" ? output : undefined;
  const protect = settings.config[`${PROJECT}:protect`] === "true" || settings.outputs.protect === true;
  return { name, protect, ...(expiresAt !== undefined ? { expiresAt } : {}), ...(lastUpdate ? { lastUpdate } : {}) };
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
