/** The dev stack's real expectations (engine + intent gate), shared by the verify tests. */
import * as path from "node:path";
import { stackIntent } from "../../core/intent";
import { expectedProbeResults, type ProbeExpectation } from "../../core/intentGate";
import type { KubeObject } from "../../core/netpol/types";
import { stackObjects } from "../../core/stack";
import { readStackConfig } from "../../core/stackConfigFile";
import { planProbes, type ProbePlan } from "../../core/verify/plan";

export const PROJECT_DIR = path.resolve(__dirname, "../..");

export function devExpectations(): ProbeExpectation[] {
  const config = readStackConfig("dev", PROJECT_DIR);
  return expectedProbeResults(stackObjects(config), stackIntent(config));
}

/** A plan with predictable names: suffixes s1, s2, ... */
export function devPlan(expectations = devExpectations()): ProbePlan {
  let n = 0;
  return planProbes(expectations, { runId: "run1", randomSuffix: () => `s${++n}` });
}

/** The probe's id, as the plan annotated it on the pod. */
export const probeIdOf = (pod: KubeObject): string => pod.metadata.annotations?.["netpol-verify/probe"] ?? "?";
