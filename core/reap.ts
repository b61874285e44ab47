/**
 * Which demo stacks the reaper destroys, and the table it prints. Pure: the CLI lists stacks and
 * destroys them; this file only decides, so the rules are tested without Pulumi.
 *
 * Expiry rules:
 * - `expiresAt` is an ISO 8601 date or date-time. A date without time (2026-12-31) means the END
 *   of that day in UTC: the stack is reaped from 2027-01-01T00:00:00Z on.
 * - A date-time without an offset (2026-12-31T18:00) is read as UTC, so the decision never
 *   depends on the time zone of the machine running the reaper.
 * - A stack with `protect: true` is never destroyed, expired or not.
 * - An unparseable `expiresAt` keeps the stack and is reported, so a typo never destroys anything.
 */
import { EARLIEST_EXPIRY_YEAR, expiryInstant, ISO_DATE_ONLY } from "./expiry";
import { alignedLines } from "./textTable";

export interface StackSummary {
  name: string;
  expiresAt?: string;
  protect: boolean;
  /** Azure resources of the state outside the stack's own resource group (core/reapState.ts); the stack is refused. */
  foreign?: string[];
  /** What a destroy would delete, from the state: type and physical name or id. */
  resources?: Array<{ type: string; name: string }>;
  /** Where protection was said (stack file, outputs, a resource's Pulumi protect), for the table. */
  protectReason?: string;
  /** The stack file and the last outputs disagree on what decides; the stack is kept until they agree. */
  conflict?: string;
  lastUpdate?: string;
}

export type ReapDecision =
  | "destroy"
  | "keep-protected"
  | "keep-foreign-resources"
  | "keep-unreadable"
  | "keep-conflict"
  | "keep-not-expired"
  | "keep-no-expiry"
  | "invalid-expiry";

export interface ReapPlanEntry {
  stack: string;
  expiresAt?: string;
  decision: ReapDecision;
  /** One sentence for the table: why this decision. */
  reason: string;
  /** For `destroy`: what the state says will be deleted. */
  resources?: Array<{ type: string; name: string }>;
}

/** Decides one stack. Protection wins over everything; then a missing, invalid, future or past expiry. */
export function decideReap(stack: StackSummary, now: Date): ReapPlanEntry {
  const base = { stack: stack.name, ...(stack.expiresAt ? { expiresAt: stack.expiresAt } : {}) };
  if (stack.protect) return { ...base, decision: "keep-protected", reason: stack.protectReason ?? "protect is true" };
  if (stack.foreign && stack.foreign.length > 0) {
    return {
      ...base,
      decision: "keep-foreign-resources",
      reason:
        `its state holds Azure resources outside the stack's own resource group, which a destroy would delete: ${stack.foreign.join("; ")}. ` +
        "Refused: someone may have planted them; compare `pulumi stack export` with the resource group in Azure",
    };
  }
  if (stack.conflict) return { ...base, decision: "keep-conflict", reason: stack.conflict };
  if (stack.expiresAt === undefined || stack.expiresAt.trim() === "") {
    return { ...base, decision: "keep-no-expiry", reason: "no expiresAt set" };
  }
  const instant = expiryInstant(stack.expiresAt);
  if (instant === undefined) {
    return {
      ...base,
      decision: "invalid-expiry",
      reason: `expiresAt ${JSON.stringify(stack.expiresAt)} is not an ISO 8601 date from ${EARLIEST_EXPIRY_YEAR} on, such as 2026-12-31 or 2026-12-31T18:00:00Z; kept (fix it with pulumi config set expiresAt)`,
    };
  }
  if (now.getTime() >= instant.getTime()) {
    return { ...base, decision: "destroy", reason: `expired at ${instant.toISOString()}`, ...(stack.resources ? { resources: stack.resources } : {}) };
  }
  return { ...base, decision: "keep-not-expired", reason: `expires at ${instant.toISOString()}` };
}

/** Decides every stack, in name order. */
export function planReap(stacks: StackSummary[], now: Date): ReapPlanEntry[] {
  return [...stacks].sort((a, b) => a.name.localeCompare(b.name)).map((s) => decideReap(s, now));
}

/** What happened to a stack: the plan entry plus the outcome of acting on it. */
export interface ReapResult extends ReapPlanEntry {
  /** "destroyed", "would destroy", "kept", "failed: ...", "warning: ...". */
  result: string;
}

/** A fixed-width text table: stack, expiresAt, decision, result. */
export function formatReapTable(results: ReapResult[]): string {
  const rows = results.map((r) => [r.stack, r.expiresAt ?? "-", r.decision, r.result]);
  return alignedLines(["STACK", "EXPIRES AT", "DECISION", "RESULT"], rows).join("\n") + "\n";
}

export interface ReapArgs {
  dryRun: boolean;
  /** Destroying was asked for explicitly; without it the reaper only shows what it would do. */
  yes: boolean;
  now: Date;
  help: boolean;
}

/**
 * Reads `--dry-run`, `--yes` and `--now ISO`; `now` defaults to the current time. Throws an Error
 * with a usage message for anything else, for `--now` without `--dry-run` (a future --now would
 * destroy stacks that have not expired), and for `--dry-run` with `--yes`.
 */
export function parseReapArgs(argv: string[], clock: () => Date = () => new Date()): ReapArgs {
  let dryRun = false;
  let yes = false;
  let help = false;
  let now: Date | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--dry-run") dryRun = true;
    else if (arg === "--yes" || arg === "-y") yes = true;
    else if (arg === "--help" || arg === "-h") help = true;
    else if (arg === "--now" || arg.startsWith("--now=")) {
      const value = arg === "--now" ? argv[++i] : arg.slice("--now=".length);
      if (value === undefined) throw new Error("--now needs an ISO 8601 date-time such as 2026-12-31T18:00:00Z");
      // A bare date for --now means the start of that day, not the end.
      const instant = ISO_DATE_ONLY.test(value.trim()) ? expiryInstant(`${value.trim()}T00:00:00Z`) : expiryInstant(value);
      if (instant === undefined) throw new Error(`--now ${JSON.stringify(value)} is not an ISO 8601 date-time such as 2026-12-31T18:00:00Z`);
      now = instant;
    } else throw new Error(`unknown argument ${JSON.stringify(arg)}`);
  }
  if (help) return { dryRun, yes, help, now: now ?? clock() };
  if (now !== undefined && !dryRun) throw new Error("--now decides as if it were another time, which only a --dry-run may do; a future --now would destroy stacks that have not expired");
  if (dryRun && yes) throw new Error("--dry-run and --yes contradict each other");
  return { dryRun, yes, help, now: now ?? clock() };
}
