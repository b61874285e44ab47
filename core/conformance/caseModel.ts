/**
 * Turns the objects read for a case into a validated ConformanceCase, or says exactly which file
 * and object make it unusable. Pure: the objects come in already parsed (see caseFiles.ts).
 */
import { buildModel, type SourcedObject } from "../netpol/load";
import { describeSource, ErrorContext } from "../netpol/errors";
import { isMapping, validateContainerPorts } from "../netpol/validate";
import { DELETE_ANNOTATION, emptyState, objectKey, stateAfter, stateObjects, type DesiredState } from "./state";
import type { CaseStep, ConformanceCase, KnownDeviation } from "./types";

/** A case that cannot be run as written; the message names the case and, when one is to blame, the file. */
export class CaseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CaseError";
  }
}

const KINDS = ["Namespace", "Pod", "NetworkPolicy"];

/**
 * Case namespaces get a run prefix on the cluster ("nc-<run id>-"), so their names must leave room
 * for it within the 63 characters of a namespace name.
 */
export const MAX_CASE_NAMESPACE_LENGTH = 50;

export interface CaseInput {
  name: string;
  source: string;
  /** Objects every step starts from (a shared model folder, then the case's own top-level files). */
  base: SourcedObject[];
  /** The objects of step1/, step2/, …; empty when the case has no step folders. */
  steps: SourcedObject[][];
  deviation?: KnownDeviation;
}

function where(o: SourcedObject): string {
  return describeSource(o.source);
}

function fail(o: SourcedObject, field: string, detail: string): never {
  return ErrorContext.of(o.source).fail(field, detail);
}

function checkKind(c: CaseInput, o: SourcedObject): void {
  if (!KINDS.includes(o.object.kind)) {
    fail(o, "kind", `kind ${o.object.kind} is not part of a conformance case of ${c.name} (a case holds ${KINDS.join(", ")} only)`);
  }
  if (o.object.kind === "Namespace") {
    if (o.object.metadata.name.length > MAX_CASE_NAMESPACE_LENGTH) {
      fail(o, "metadata.name", `namespace name ${o.object.metadata.name} is longer than ${MAX_CASE_NAMESPACE_LENGTH} characters; the run prefixes it on the cluster`);
    }
    return;
  }
  if (!o.object.metadata.namespace) {
    fail(o, "metadata.namespace", `${o.object.kind} ${o.object.metadata.name} needs a metadata.namespace naming a Namespace of the case (the run creates only the case's own namespaces)`);
  }
}

function checkPod(o: SourcedObject): void {
  const ctx = ErrorContext.of(o.source);
  const raw = o.object as unknown as Record<string, unknown>;
  const ports = validateContainerPorts(ctx, raw.spec, "spec");
  const id = `${o.object.metadata.namespace}/${o.object.metadata.name}`;
  if (ports.length === 0) fail(o, "spec.containers", `pod ${id} declares no containerPort; a conformance pod serves the ports it declares, so it needs at least one`);
  if (isMapping(raw.spec) && raw.spec.hostNetwork === true) fail(o, "spec.hostNetwork", `pod ${id} uses the host network, which NetworkPolicies do not govern`);
}

/** The containers and everything but labels, which is all a later step may change on a pod. */
function podShape(o: SourcedObject): string {
  return JSON.stringify((o.object as unknown as Record<string, unknown>).spec ?? null);
}

function splitStep(c: CaseInput, objects: SourcedObject[], index: number, before: DesiredState): CaseStep {
  const apply: SourcedObject[] = [];
  const remove: string[] = [];
  const seen = new Map<string, SourcedObject>();
  for (const o of objects) {
    checkKind(c, o);
    const identity = `${o.object.kind}/${objectKey(o)}`;
    const twin = seen.get(identity);
    if (twin) fail(o, "metadata.name", `${o.object.kind} ${objectKey(o)} is defined twice in step ${index} of ${c.name} (also at ${where(twin)})`);
    seen.set(identity, o);
    if (o.object.metadata.annotations?.[DELETE_ANNOTATION] === "true") {
      if (o.object.kind !== "NetworkPolicy") fail(o, `metadata.annotations.${DELETE_ANNOTATION}`, `only a NetworkPolicy can be deleted by a step, not a ${o.object.kind}`);
      if (!before.policies.has(objectKey(o))) fail(o, `metadata.annotations.${DELETE_ANNOTATION}`, `step ${index} of ${c.name} deletes NetworkPolicy ${objectKey(o)}, which no earlier step created`);
      remove.push(objectKey(o));
      continue;
    }
    if (o.object.kind === "Pod") {
      const earlier = before.pods.get(objectKey(o));
      if (earlier && (o.object as { spec?: unknown }).spec === undefined) {
        // A step that relabels a pod may write only its metadata: the pod keeps its spec.
        apply.push({ object: { ...earlier.object, metadata: { ...earlier.object.metadata, labels: o.object.metadata.labels ?? {} } }, source: o.source });
        continue;
      }
      checkPod(o);
      if (earlier && podShape(earlier) !== podShape(o)) {
        fail(o, "spec", `pod ${objectKey(o)} changes its spec in step ${index} (first defined at ${where(earlier)}); a step may change only a pod's labels`);
      }
    }
    apply.push(o);
  }
  return { index, apply, delete: remove };
}

function checkState(c: CaseInput, state: DesiredState, step: number): void {
  for (const o of [...state.pods.values(), ...state.policies.values()]) {
    const ns = o.object.metadata.namespace!;
    if (!state.namespaces.has(ns)) {
      fail(o, "metadata.namespace", `${o.object.kind} ${objectKey(o)} is in namespace ${ns}, which ${c.name} does not declare by step ${step} (add a Namespace ${ns})`);
    }
  }
  if (state.pods.size < 2) {
    const what = state.pods.size === 0 ? "no pods" : "only one pod";
    throw new CaseError(`${c.source}: case ${c.name} has ${what} after step ${step}; a case needs at least two pods (one to probe from, one to probe)`);
  }
  // The engine's own validation (labels, selectors, ports), with file and field in its messages.
  buildModel(stateObjects(state));
}

/** Validates a case; throws ManifestError (naming file, document and field) or CaseError. */
export function buildCase(input: CaseInput): ConformanceCase {
  const stepObjects = input.steps.length === 0 ? [input.base] : input.steps.map((s, i) => (i === 0 ? [...input.base, ...s] : s));
  const c: ConformanceCase = { name: input.name, source: input.source, steps: [], ...(input.deviation ? { deviation: input.deviation } : {}) };
  let before = emptyState();
  stepObjects.forEach((objects, i) => {
    if (objects.length === 0) throw new CaseError(`${input.source}: step ${i + 1} of case ${input.name} has no manifests`);
    c.steps.push(splitStep(input, objects, i + 1, before));
    before = stateAfter(c, i + 1);
    checkState(input, before, i + 1);
  });
  return c;
}
