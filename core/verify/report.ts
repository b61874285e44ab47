/**
 * Observed against expected, as a table a person reads and an exit code CI reads. Pure.
 * The expectation is the engine's verdict on the stack's own objects (which the intent gate has
 * already proven equal to the intent), so a mismatch means the live cluster disagrees with them.
 */
import { alignedLines } from "../textTable";
import type { ProbeExpectation } from "../intentGate";
import type { Labels } from "../netpol/types";
import type { ProbeObservation } from "./result";

export interface ReportRow {
  /** The intent gate's probe id, "namespace/name". */
  probe: string;
  name: string;
  description: string;
  namespace: string;
  labels: Labels;
  expectedAllowed: boolean;
  intendedAllowed: boolean;
  observation: ProbeObservation;
  /** Observed agrees with expected and the probe proved something. */
  ok: boolean;
}

export interface VerifyReport {
  rows: ReportRow[];
  mismatches: number;
  errors: number;
  /** How the blocked probes were stopped: refused at once (REJECT) or timed out (DROP). */
  blocked: { rejected: number; dropped: number };
  /** Set when the pattern of results points at one cause, e.g. no policy engine. */
  diagnosis?: string;
  exitCode: 0 | 1;
}

export const NOT_ENFORCED_DIAGNOSIS =
  "NetworkPolicies are not enforced on this cluster (no policy engine?): every caller got through, including the ones the policies deny. " +
  "Use a cluster with a policy engine: AKS --network-policy azure|calico|cilium, kind + Calico, k3d/k3s, minikube --cni=calico.";

export const NO_OUTPUT_DIAGNOSIS =
  "Enforcement cannot be judged: no probe produced a result (the probe pods never completed, or their output could not be read). " +
  "This is what a cluster that runs no containers looks like, e.g. kwok's fake nodes, or one that cannot pull the probe image. It is not a pass.";

export const REFUSED_UNJUDGED_DIAGNOSIS =
  "Enforcement cannot be judged: connections were refused, and no caller reached prices-api in this round. A refusal is what a REJECTing " +
  "enforcer (kube-router) gives a denied caller, but also what every caller gets from a Service whose pods do not answer; only an allowed " +
  "caller's success in the same round tells the two apart.";

export const ALL_BLOCKED_DIAGNOSIS =
  "Every caller was blocked, including the allowed ones: the allow rule is not in effect (policy not applied yet, or labels differ from the stack's).";

/** Compares each probe's observation with its expectation. Observations are matched by position. */
export function buildReport(expectations: readonly ProbeExpectation[], observations: readonly ProbeObservation[]): VerifyReport {
  if (expectations.length !== observations.length) {
    throw new Error(`${expectations.length} probes but ${observations.length} observations`);
  }
  // A refusal is the enforcer's answer only when prices-api answered someone in the same round.
  const someReached = observations.some((o) => o.observed === "reached");
  const judged = observations.map((o): ProbeObservation =>
    o.cause === "refused" && !someReached
      ? { ...o, observed: "error", detail: "probe error: connection refused, and no caller reached prices-api in this round (an API that does not answer looks the same)" }
      : o,
  );
  const rows = expectations.map((e, i): ReportRow => {
    const observation = judged[i];
    const ok = observation.observed !== "error" && (observation.observed === "reached") === e.engineAllowed;
    return {
      probe: e.id,
      name: e.name,
      description: e.description,
      namespace: e.namespace,
      labels: { ...e.podLabels },
      expectedAllowed: e.engineAllowed,
      intendedAllowed: e.intendedAllowed,
      observation,
      ok,
    };
  });
  const errors = rows.filter((r) => r.observation.observed === "error").length;
  const mismatches = rows.filter((r) => !r.ok && r.observation.observed !== "error").length;
  const blocked = {
    rejected: rows.filter((r) => r.observation.observed === "blocked" && r.observation.cause === "refused").length,
    dropped: rows.filter((r) => r.observation.observed === "blocked" && r.observation.cause === "connect-timeout").length,
  };
  const report: VerifyReport = { rows, mismatches, errors, blocked, exitCode: mismatches === 0 && errors === 0 ? 0 : 1 };
  const refusedUnjudged = rows.some((r) => r.observation.cause === "refused" && r.observation.observed === "error");
  const someDenied = rows.some((r) => !r.expectedAllowed || !r.intendedAllowed);
  const someAllowed = rows.some((r) => r.expectedAllowed);
  if (refusedUnjudged) report.diagnosis = REFUSED_UNJUDGED_DIAGNOSIS;
  else if (rows.length > 0 && errors === rows.length) report.diagnosis = NO_OUTPUT_DIAGNOSIS;
  else if (someDenied && rows.every((r) => r.observation.observed === "reached")) report.diagnosis = NOT_ENFORCED_DIAGNOSIS;
  else if (someAllowed && rows.every((r) => r.observation.observed === "blocked")) report.diagnosis = ALL_BLOCKED_DIAGNOSIS;
  return report;
}

const verdictWord = (allowed: boolean) => (allowed ? "allowed" : "denied");

function observedWord(o: ProbeObservation): string {
  return o.observed === "reached" ? "allowed" : o.observed === "blocked" ? "denied" : "error";
}

function labelText(labels: Labels): string {
  const entries = Object.entries(labels);
  return entries.length === 0 ? "(none)" : entries.map(([k, v]) => `${k}=${v}`).join(",");
}

/** The report as an aligned text table, a summary line and the diagnosis when there is one. */
export function formatVerifyReport(report: VerifyReport): string {
  const header = ["probe", "namespace", "labels", "expected", "observed", "verdict", "detail"];
  const body = report.rows.map((r) => {
    const expected = verdictWord(r.expectedAllowed) + (r.expectedAllowed !== r.intendedAllowed ? ` (intent: ${verdictWord(r.intendedAllowed)})` : "");
    return [r.name, r.namespace, labelText(r.labels), expected, observedWord(r.observation), r.ok ? "✓" : "✗", r.observation.detail];
  });
  const out = [...alignedLines(header, body, { rule: true }), ""];
  for (const r of report.rows.filter((x) => !x.ok)) {
    const expected = verdictWord(r.expectedAllowed);
    const what = r.observation.observed === "error" ? "could not be checked" : `expected ${expected}, observed ${observedWord(r.observation)}`;
    out.push(`✗ ${r.probe} (${r.description}): ${what}`);
  }
  if (report.rows.some((x) => !x.ok)) out.push("");
  const { rejected, dropped } = report.blocked;
  if (rejected > 0 || dropped > 0) {
    const how = [
      ...(rejected > 0 ? [`${rejected} refused at once (the enforcer REJECTs, as kube-router does)`] : []),
      ...(dropped > 0 ? [`${dropped} timed out (the enforcer DROPs, as Azure NPM and Calico do)`] : []),
    ];
    out.push(`Blocked connections: ${how.join("; ")}.`);
  }
  const total = report.rows.length;
  if (report.exitCode === 0) {
    out.push(`OK: all ${total} probes behaved as the policies say.`);
  } else {
    const parts = [];
    if (report.mismatches > 0) parts.push(`${report.mismatches} mismatch${report.mismatches === 1 ? "" : "es"}`);
    if (report.errors > 0) parts.push(`${report.errors} probe error${report.errors === 1 ? "" : "s"}`);
    out.push(`FAILED: ${parts.join(" and ")} in ${total} probes.`);
  }
  if (report.diagnosis) out.push(report.diagnosis);
  return out.join("\n") + "\n";
}
