/**
 * The data of a conformance run: cases as read from disk (or generated), the cells probed, what the
 * engine predicts for them and what the packets did. Types only.
 */
import type { SourcedObject } from "../netpol/load";
import type { Protocol } from "../netpol/types";

/** One step of a case: the objects applied on top of the previous steps, in order. */
export interface CaseStep {
  /** 1-based. */
  index: number;
  /** Namespaces, Pods and NetworkPolicies to create or replace, as written in the case. */
  apply: SourcedObject[];
  /** NetworkPolicies to delete ("namespace/name"), marked with DELETE_ANNOTATION. */
  delete: string[];
}

/** A known disagreement between the spec (the engine) and one enforcer, documented beside a case. */
export interface KnownDeviation {
  /** The enforcer that was seen doing it, e.g. "kube-router v2.1.0". */
  enforcer: string;
  /** The upstream test that shows the spec's answer. */
  upstreamTest: string;
  explanation: string;
  /** The cells it covers; an absent field matches any value. */
  cells: DeviationCell[];
  /** The file it was read from, for messages. */
  source: string;
}

export interface DeviationCell {
  step?: number;
  from?: string;
  to?: string;
  port?: number;
  protocol?: Protocol;
}

/** A case as read and validated: what to apply, step by step. Namespace names are the case's own. */
export interface ConformanceCase {
  name: string;
  /** Where it came from: a folder, a file, or "generated (seed S, #i)". */
  source: string;
  steps: CaseStep[];
  deviation?: KnownDeviation;
}

/** What a probe saw. A denied probe may time out (DROP) or be refused (REJECT): both are "blocked". */
export type ProbeOutcome = "allowed" | "blocked" | "error";

export interface Observation {
  outcome: ProbeOutcome;
  /** agnhost connect's word: "connected", "TIMEOUT", "REFUSED", or the error it printed. */
  detail: string;
}

/** One cell: from a pod to another pod's declared port, by pod IP. Pod ids use the case's namespaces. */
export interface ProbeCell {
  from: string;
  to: string;
  port: number;
  portName?: string;
  protocol: Protocol;
}

/** The engine's verdict on a cell, for exactly the objects the cluster returned. */
export interface Prediction {
  allowed: boolean;
  reason: string;
  /**
   * For a denied cell, the verdict of each direction (policies as case "ns/name"): which policies
   * isolate it, and which admit the connection. The shapes of known enforcer deviations read it.
   */
  directions?: Record<"ingress" | "egress", { allowed: boolean; policies: string[]; allowedBy: string[] }>;
}

/** One compared cell. `agrees` is false for a disagreement, and also for a probe error. */
export interface ComparedCell extends ProbeCell {
  predicted: Prediction;
  observed: Observation;
  /** The first observation, when the cell disagreed and was probed again. */
  firstObserved?: Observation;
  agrees: boolean;
  /** A disagreement a known enforcer deviation explains (the case's file, or a known shape): it fails nothing. */
  knownDeviation: boolean;
  /** Which deviation explains it, when one does. */
  explainedBy?: Omit<KnownDeviation, "cells">;
}

export interface StepResult {
  step: number;
  /** Pods in matrix order (case namespaces), for the truth tables. */
  pods: string[];
  cells: ComparedCell[];
  /** Cells that disagreed at first and were probed a second time. */
  reprobed: number;
}

export interface CaseResult {
  name: string;
  source: string;
  steps: StepResult[];
  seconds: number;
  deviation?: KnownDeviation;
}
