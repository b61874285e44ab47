/**
 * The people's report: per case and step one truth table per destination port and protocol, as
 * upstream prints them (rows are sources, columns destinations; `.` allowed, `X` blocked, `!` the
 * engine and the packets disagree, `?` the probe gave no answer, `-` the pod itself), every
 * disagreement in words, and a summary. Pure.
 */
import { describePort } from "../netpol/ports";
import { tally, type Tally } from "./compare";
import type { CaseResult, ComparedCell, StepResult } from "./types";

function symbol(c: ComparedCell): string {
  if (c.observed.outcome === "error") return "?";
  if (!c.agrees) return "!";
  return c.observed.outcome === "allowed" ? "." : "X";
}

/** The step's cells grouped by destination port and protocol, in first-seen order. */
function byPort(cells: readonly ComparedCell[]): Map<string, ComparedCell[]> {
  const groups = new Map<string, ComparedCell[]>();
  for (const c of cells) {
    const key = `${c.protocol}/${c.port}`;
    const list = groups.get(key) ?? [];
    list.push(c);
    groups.set(key, list);
  }
  return groups;
}

export function truthTable(title: string, pods: readonly string[], cells: readonly ComparedCell[]): string {
  const width = Math.max(title.length, ...pods.map((p) => p.length)) + 1;
  const col = Math.max(...pods.map((p) => p.length)) + 1;
  const at = new Map(cells.map((c) => [`${c.from} ${c.to}`, symbol(c)]));
  const lines = [title.padEnd(width) + pods.map((p) => p.padEnd(col)).join("").trimEnd()];
  for (const from of pods) {
    const row = pods.map((to) => (to === from ? "-" : (at.get(`${from} ${to}`) ?? " ")).padEnd(col)).join("");
    lines.push((from.padEnd(width) + row).trimEnd());
  }
  return lines.join("\n");
}

function observedText(c: ComparedCell): string {
  const word = c.observed.outcome === "allowed" ? "got through" : c.observed.outcome === "blocked" ? `were blocked (${c.observed.detail})` : `gave no answer (${c.observed.detail})`;
  const first = c.firstObserved ? `; first try: ${c.firstObserved.outcome}` : "";
  return `the packets ${word}${first}`;
}

export function disagreementLine(c: ComparedCell): string {
  const port = describePort(c.port, c.protocol, c.portName);
  const mark = c.observed.outcome === "error" ? "?" : "!";
  const known = c.knownDeviation ? " [known enforcer deviation]" : "";
  return `${mark} ${c.from} -> ${c.to} ${port}: engine says ${c.predicted.allowed ? "allowed" : "denied"} (${c.predicted.reason}); ${observedText(c)}${known}`;
}

function stepSummary(s: StepResult): string {
  const t = tally([{ steps: [s] }]);
  const bad = t.disagreements + t.errors + t.knownDeviations;
  const parts = [`${t.probes} probes`];
  if (s.reprobed > 0) parts.push(`${s.reprobed} probed again`);
  parts.push(bad === 0 ? "all agree" : [t.disagreements && `${t.disagreements} disagree`, t.knownDeviations && `${t.knownDeviations} known deviations`, t.errors && `${t.errors} without an answer`].filter(Boolean).join(", "));
  return parts.join(", ");
}

export function formatCase(r: CaseResult): string {
  const out: string[] = [`case ${r.name} (${r.source}): ${r.steps.length} step${r.steps.length === 1 ? "" : "s"}, ${r.seconds.toFixed(1)} s`];
  // Every deviation that explains a cell of the case: its file, or a known shape.
  const used = new Map(r.steps.flatMap((s) => s.cells.flatMap((c) => (c.explainedBy ? [[c.explainedBy.source, c.explainedBy] as const] : []))));
  if (r.deviation && !used.has(r.deviation.source)) used.set(r.deviation.source, r.deviation);
  for (const d of used.values()) out.push(`  known deviation of ${d.enforcer} (${d.source}): ${d.explanation}; the spec's answer: upstream test "${d.upstreamTest}"`);
  for (const s of r.steps) {
    out.push(`step ${s.step}: ${stepSummary(s)}`);
    for (const [port, cells] of byPort(s.cells)) out.push(truthTable(port, s.pods, cells));
    for (const c of s.cells.filter((x) => !x.agrees)) out.push(disagreementLine(c));
  }
  return `${out.join("\n")}\n`;
}

export function summaryLines(t: Tally, seconds: number): string {
  const perCase = t.cases > 0 ? seconds / t.cases : 0;
  const line =
    `conformance: ${t.cases} cases, ${t.steps} steps, ${t.probes} probes (${t.reprobed} probed again), ${t.agreed} agree, ` +
    `${t.disagreements} disagreements, ${t.knownDeviations} known enforcer deviations, ${t.errors} without an answer; ` +
    `${seconds.toFixed(1)} s (${perCase.toFixed(1)} s per case)`;
  const verdict =
    t.disagreements + t.errors === 0
      ? `OK: the engine and the packets agree${t.knownDeviations > 0 ? " except where the enforcer is known to deviate from the spec" : ""}.`
      : `FAILED: ${t.disagreements} disagreements and ${t.errors} probes without an answer.`;
  return `${line}\n${verdict}\n`;
}

export function formatReport(results: readonly CaseResult[], seconds: number): string {
  return `${results.map(formatCase).join("\n")}\n${summaryLines(tally(results), seconds)}`;
}
