/**
 * What a case asks for after each of its steps: every step applies its objects on top of the
 * previous ones (an object of the same kind, namespace and name replaces the earlier one), and
 * deletes the policies it marks. Pure.
 */
import type { SourcedObject } from "../netpol/load";
import type { ConformanceCase } from "./types";

/** Objects by identity: "namespace" for Namespaces, "namespace/name" for the rest. */
export interface DesiredState {
  namespaces: Map<string, SourcedObject>;
  pods: Map<string, SourcedObject>;
  policies: Map<string, SourcedObject>;
}

/** The annotation that turns a NetworkPolicy of a step into "delete this policy". */
export const DELETE_ANNOTATION = "conformance.netpol/delete";

export function objectKey(o: SourcedObject): string {
  const m = o.object.metadata;
  return o.object.kind === "Namespace" ? m.name : `${m.namespace ?? "default"}/${m.name}`;
}

export function emptyState(): DesiredState {
  return { namespaces: new Map(), pods: new Map(), policies: new Map() };
}

/** Where an object of this kind lives in a state; undefined for kinds a case may not hold. */
export function mapOf(state: DesiredState, kind: string): Map<string, SourcedObject> | undefined {
  if (kind === "Namespace") return state.namespaces;
  if (kind === "Pod") return state.pods;
  if (kind === "NetworkPolicy") return state.policies;
  return undefined;
}

/** The state after step `upTo` (1-based) of the case. */
export function stateAfter(c: ConformanceCase, upTo: number): DesiredState {
  const state = emptyState();
  for (const step of c.steps.slice(0, upTo)) {
    for (const o of step.apply) mapOf(state, o.object.kind)?.set(objectKey(o), o);
    for (const key of step.delete) state.policies.delete(key);
  }
  return state;
}

/** Every object of a state, namespaces first (the order they must be created in). */
export function stateObjects(state: DesiredState): SourcedObject[] {
  return [...state.namespaces.values(), ...state.pods.values(), ...state.policies.values()];
}
