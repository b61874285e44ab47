/**
 * Deviations of an enforcer from the spec that are recognised by their shape, for cases nobody
 * wrote a deviation file for (the seeded generator's). Each was first found on a written case, which
 * keeps its own deviation file and names the upstream test that shows the spec's answer. A shape
 * applies only to a cell the packets let through and the engine denies: it explains a disagreement,
 * it never turns one into agreement, and it is listed in the report. Pure.
 */
import type { KnownDeviation, Prediction, ProbeCell } from "./types";

export interface KnownBehaviour extends Omit<KnownDeviation, "cells"> {
  /** Whether the engine's verdict on the cell has the shape the enforcer gets wrong. */
  matches(cell: ProbeCell, predicted: Prediction): boolean;
}

const namespaceOf = (id: string) => id.slice(0, id.indexOf("/"));

/**
 * kube-router v2.1.0, one node: one NetworkPolicy that selects both pods of a connection within one
 * namespace, for ingress and egress, and admits the connection in one direction only. The spec
 * needs both directions; kube-router lets it through when either admits it. Found by the fixture
 * should-work-with-ingress-egress-specified-together-ports-within-one-namespace (its deviation file).
 */
export const KUBE_ROUTER_ONE_POLICY_EITHER_DIRECTION: KnownBehaviour = {
  enforcer: "kube-router v2.1.0 (the local cluster, one node)",
  upstreamTest: "should work with Ingress, Egress specified together",
  explanation:
    "one NetworkPolicy selects both pods of a connection within one namespace for ingress and egress and admits the connection in one direction only; the spec needs both, kube-router lets it through when either admits it",
  source: "core/conformance/enforcerBehaviours.ts (recognised by shape)",
  matches(cell, predicted) {
    const d = predicted.directions;
    if (predicted.allowed || !d || namespaceOf(cell.from) !== namespaceOf(cell.to)) return false;
    const [denied, admitted] = d.ingress.allowed ? [d.egress, d.ingress] : d.egress.allowed ? [d.ingress, d.egress] : [undefined, undefined];
    if (!denied || !admitted) return false;
    return denied.policies.some((p) => admitted.allowedBy.includes(p));
  },
};

export const KNOWN_BEHAVIOURS: readonly KnownBehaviour[] = [KUBE_ROUTER_ONE_POLICY_EITHER_DIRECTION];

/** The known behaviour that explains a cell the packets let through, if any. */
export function knownBehaviourOf(cell: ProbeCell, predicted: Prediction, behaviours: readonly KnownBehaviour[] = KNOWN_BEHAVIOURS): KnownBehaviour | undefined {
  return behaviours.find((b) => b.matches(cell, predicted));
}
