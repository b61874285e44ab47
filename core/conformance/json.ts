/**
 * The machine report: a summary, every case with its steps' counts, and every cell that did not
 * agree with the case, the step, source, destination, port, protocol, the engine's verdict with its
 * reason and what the packets did. Pure.
 */
import { tally } from "./compare";
import type { CaseResult, ComparedCell } from "./types";

export const CONFORMANCE_JSON_VERSION = 1;

function disagreement(caseName: string, step: number, c: ComparedCell) {
  return {
    case: caseName,
    step,
    from: c.from,
    to: c.to,
    port: c.port,
    ...(c.portName !== undefined ? { portName: c.portName } : {}),
    protocol: c.protocol,
    engine: { allowed: c.predicted.allowed, reason: c.predicted.reason },
    packets: { outcome: c.observed.outcome, detail: c.observed.detail, ...(c.firstObserved ? { firstTry: c.firstObserved } : {}) },
    knownDeviation: c.knownDeviation,
    ...(c.explainedBy ? { explainedBy: { enforcer: c.explainedBy.enforcer, upstreamTest: c.explainedBy.upstreamTest, explanation: c.explainedBy.explanation, source: c.explainedBy.source } } : {}),
  };
}

export function conformanceJson(results: readonly CaseResult[], seconds: number, cluster: { context: string; server: string; runId: string }): string {
  const summary = { ...tally(results), seconds: Number(seconds.toFixed(1)) };
  const cases = results.map((r) => ({
    name: r.name,
    source: r.source,
    seconds: Number(r.seconds.toFixed(1)),
    ...(r.deviation ? { knownDeviation: { enforcer: r.deviation.enforcer, upstreamTest: r.deviation.upstreamTest, explanation: r.deviation.explanation, file: r.deviation.source } } : {}),
    steps: r.steps.map((s) => {
      const t = tally([{ steps: [s] }]);
      return { step: s.step, probes: t.probes, agreed: t.agreed, reprobed: s.reprobed, disagreements: t.disagreements, knownDeviations: t.knownDeviations, errors: t.errors };
    }),
  }));
  const disagreements = results.flatMap((r) => r.steps.flatMap((s) => s.cells.filter((c) => !c.agrees).map((c) => disagreement(r.name, s.step, c))));
  return `${JSON.stringify({ version: CONFORMANCE_JSON_VERSION, cluster, summary, cases, disagreements }, null, 2)}\n`;
}
