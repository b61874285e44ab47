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
import { alignedLines } from "./textTable";

export interface StackSummary {
  name: string;
  expiresAt?: string;
  protect: boolean;
  lastUpdate?: string;
}

export type ReapDecision = "destroy" | "keep-protected" | "keep-not-expired" | "keep-no-expiry" | "invalid-expiry";

export interface ReapPlanEntry {
  stack: string;
  expiresAt?: string;
  decision: ReapDecision;
  /** One sentence for the table: why this decision. */
  reason: string;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?$/;

/**
 * The instant from which a stack counts as expired, or undefined when `text` is not a real ISO
 * 8601 date or date-time (2026-02-30 and 25:00 are refused, not rolled over).
 */
export function expiryInstant(text: string): Date | undefined {
  const trimmed = text.trim();
  const dateOnly = DATE.exec(trimmed);
  if (dateOnly) {
    const [y, m, d] = dateOnly.slice(1).map(Number);
    if (!isCalendarDate(y, m, d)) return undefined;
    return new Date(Date.UTC(y, m - 1, d + 1)); // end of that day = start of the next
  }
  const dt = DATE_TIME.exec(trimmed);
  if (!dt) return undefined;
  const [y, m, d, hh, mm] = dt.slice(1, 6).map(Number);
  const ss = dt[6] === undefined ? 0 : Number(dt[6]);
  const ms = dt[7] === undefined ? 0 : Number(dt[7].slice(0, 3).padEnd(3, "0"));
  if (!isCalendarDate(y, m, d) || hh > 23 || mm > 59 || ss > 59) return undefined;
  const offset = dt[8];
  let offsetMinutes = 0;
  if (offset !== undefined && offset !== "Z") {
    const sign = offset.startsWith("-") ? -1 : 1;
    const [oh, om] = offset.slice(1).split(":").map(Number);
    if (oh > 23 || om > 59) return undefined;
    offsetMinutes = sign * (oh * 60 + om);
  }
  return new Date(Date.UTC(y, m - 1, d, hh, mm, ss, ms) - offsetMinutes * 60_000);
}

function isCalendarDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  return d <= new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/** Decides one stack. Protection wins over everything; then a missing, invalid, future or past expiry. */
export function decideReap(stack: StackSummary, now: Date): ReapPlanEntry {
  const base = { stack: stack.name, ...(stack.expiresAt ? { expiresAt: stack.expiresAt } : {}) };
  if (stack.protect) return { ...base, decision: "keep-protected", reason: "protect is true" };
  if (stack.expiresAt === undefined || stack.expiresAt.trim() === "") {
    return { ...base, decision: "keep-no-expiry", reason: "no expiresAt set" };
  }
  const instant = expiryInstant(stack.expiresAt);
  if (instant === undefined) {
    return {
      ...base,
      decision: "invalid-expiry",
      reason: `expiresAt ${JSON.stringify(stack.expiresAt)} is not an ISO 8601 date such as 2026-12-31 or 2026-12-31T18:00:00Z; kept (fix it with pulumi config set expiresAt)`,
    };
  }
  if (now.getTime() >= instant.getTime()) {
    return { ...base, decision: "destroy", reason: `expired at ${instant.toISOString()}` };
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

/**
 * Reads `--dry-run` and `--now ISO`; `now` defaults to the current time. Throws an Error with a
 * usage message for anything else.
 */
export function parseReapArgs(argv: string[], clock: () => Date = () => new Date()): { dryRun: boolean; now: Date; help: boolean } {
  let dryRun = false;
  let help = false;
  let now: Date | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--dry-run") dryRun = true;
    else if (arg === "--help" || arg === "-h") help = true;
    else if (arg === "--now" || arg.startsWith("--now=")) {
      const value = arg === "--now" ? argv[++i] : arg.slice("--now=".length);
      if (value === undefined) throw new Error("--now needs an ISO 8601 date-time such as 2026-12-31T18:00:00Z");
      // A bare date for --now means the start of that day, not the end.
      const instant = DATE.test(value.trim()) ? expiryInstant(`${value.trim()}T00:00:00Z`) : expiryInstant(value);
      if (instant === undefined) throw new Error(`--now ${JSON.stringify(value)} is not an ISO 8601 date-time such as 2026-12-31T18:00:00Z`);
      now = instant;
    } else throw new Error(`unknown argument ${JSON.stringify(arg)}`);
  }
  return { dryRun, help, now: now ?? clock() };
}
