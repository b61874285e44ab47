/**
 * The engine's matrix against the packets', cell by cell. A cell agrees when the probe connected
 * and the engine allows it, or the probe was blocked (timed out or refused) and the engine denies
 * it. A probe that failed otherwise proves nothing and never agrees. Pure.
 */
import { deviationCovers } from "./deviations";
import { knownBehaviourOf, type KnownBehaviour } from "./enforcerBehaviours";
import type { PredictedStep } from "./prediction";
import type { ComparedCell, KnownDeviation, Observation, Prediction, StepResult } from "./types";

export function agrees(predicted: Prediction, observed: Observation): boolean {
  return observed.outcome !== "error" && (observed.outcome === "allowed") === predicted.allowed;
}

/** Cells to probe a second time: those whose first observation disagrees, as upstream retries. */
export function cellsToReprobe(predicted: PredictedStep, first: readonly Observation[]): number[] {
  return predicted.cells.flatMap((c, i) => (agrees(c.predicted, first[i]) ? [] : [i]));
}

/**
 * The compared step: a disagreeing cell counts with its second observation; one the case's
 * deviation file covers, or one the packets let through in the shape of a known enforcer behaviour,
 * is a known enforcer deviation.
 */
export function compareStep(
  step: number,
  predicted: PredictedStep,
  first: readonly Observation[],
  second: ReadonlyMap<number, Observation>,
  deviation?: KnownDeviation,
  behaviours?: readonly KnownBehaviour[],
): StepResult {
  if (first.length !== predicted.cells.length) throw new Error(`${first.length} observations for ${predicted.cells.length} cells`);
  const cells = predicted.cells.map((c, i): ComparedCell => {
    const again = second.get(i);
    const observed = again ?? first[i];
    const ok = agrees(c.predicted, observed);
    const explainedBy =
      ok || observed.outcome === "error"
        ? undefined
        : deviationCovers(deviation, step, c)
          ? deviation
          : observed.outcome === "allowed"
            ? knownBehaviourOf(c, c.predicted, behaviours)
            : undefined;
    return {
      ...c,
      observed,
      ...(again ? { firstObserved: first[i] } : {}),
      agrees: ok,
      knownDeviation: explainedBy !== undefined,
      ...(explainedBy ? { explainedBy: { enforcer: explainedBy.enforcer, upstreamTest: explainedBy.upstreamTest, explanation: explainedBy.explanation, source: explainedBy.source } } : {}),
    };
  });
  return { step, pods: predicted.pods, cells, reprobed: second.size };
}

/** Counts over results, for the summary and the exit code. */
export interface Tally {
  cases: number;
  steps: number;
  probes: number;
  agreed: number;
  disagreements: number;
  knownDeviations: number;
  errors: number;
  reprobed: number;
}

export function tally(results: ReadonlyArray<{ steps: readonly StepResult[] }>): Tally {
  const t: Tally = { cases: results.length, steps: 0, probes: 0, agreed: 0, disagreements: 0, knownDeviations: 0, errors: 0, reprobed: 0 };
  for (const r of results) {
    for (const s of r.steps) {
      t.steps++;
      t.reprobed += s.reprobed;
      for (const c of s.cells) {
        t.probes++;
        if (c.agrees) t.agreed++;
        else if (c.observed.outcome === "error") t.errors++;
        else if (c.knownDeviation) t.knownDeviations++;
        else t.disagreements++;
      }
    }
  }
  return t;
}
