/**
 * The probe plan and the engine's prediction, both from exactly the objects the API server returned
 * for the run's namespaces (so pod IPs are real and every default the server filled in is there):
 * one cell per ordered pair of distinct pods and per port the destination declares, which is the
 * engine's own matrix (core/netpol/matrix.ts). Pure.
 */
import { buildModel } from "../netpol/load";
import { liveEngineObjects } from "../netpol/live";
import { computeMatrix } from "../netpol/matrix";
import { ConnectivityEngine, podId } from "../netpol/engine";
import type { KubeObject, Protocol } from "../netpol/types";
import type { RunNames } from "./runNames";
import type { Prediction, ProbeCell } from "./types";

/** What the runner reads back after applying a step. */
export interface ReadBack {
  namespaces: KubeObject[];
  pods: KubeObject[];
  networkPolicies: KubeObject[];
}

/** One probe to run from a source pod: where to connect. */
export interface ProbeTarget {
  /** Index into the step's cells. */
  cell: number;
  ip: string;
  port: number;
  protocol: Protocol;
}

/** The probes of one source pod, run in one exec. */
export interface SourceProbes {
  /** Cluster namespace and name of the pod, and the container to exec in. */
  namespace: string;
  pod: string;
  container: string;
  targets: ProbeTarget[];
}

export interface PredictedStep {
  /** Case pod ids in matrix order. */
  pods: string[];
  cells: Array<ProbeCell & { predicted: Prediction }>;
  sources: SourceProbes[];
}

function firstContainer(pod: KubeObject): string {
  const containers = (pod.spec as { containers?: Array<{ name?: string }> } | undefined)?.containers ?? [];
  const name = containers[0]?.name;
  if (!name) throw new Error(`pod ${pod.metadata.namespace}/${pod.metadata.name} has no container to probe from`);
  return name;
}

/** The cells of a step with the engine's verdict on each, and the probes that observe them. */
export function predictStep(readBack: ReadBack, names: RunNames): PredictedStep {
  const objects = liveEngineObjects({ ...readBack, replicaSets: [], jobs: [] });
  const { model } = buildModel(objects);
  const ipOf = new Map(model.pods.map((p) => [podId(p), p.ip]));
  const podOf = new Map(model.pods.map((p) => [podId(p), p]));
  const engine = new ConnectivityEngine(model);
  // Each direction of a denied cell, with the case's names: what the known deviations' shapes read.
  const directionsOf = (from: string, to: string, port: number, protocol: Protocol): Prediction["directions"] => {
    const v = engine.evaluate(podOf.get(from)!, podOf.get(to)!, port, protocol);
    const side = (d: typeof v.ingress) => ({ allowed: d.allowed, policies: d.policies.map((p) => names.casePodId(p)), allowedBy: d.allowedBy.map((a) => names.casePodId(a.policy)) });
    return { ingress: side(v.ingress), egress: side(v.egress) };
  };
  const byId = new Map(readBack.pods.map((p) => [`${p.metadata.namespace}/${p.metadata.name}`, p]));
  const matrix = computeMatrix(model);
  const cells: PredictedStep["cells"] = [];
  const sources = new Map<string, SourceProbes>();
  for (const c of matrix.connections()) {
    const ip = ipOf.get(c.to);
    if (!ip) throw new Error(`pod ${c.to} has no IP yet; it cannot be probed`);
    const index = cells.length;
    cells.push({
      from: names.casePodId(c.from),
      to: names.casePodId(c.to),
      port: c.port,
      ...(c.portName !== undefined ? { portName: c.portName } : {}),
      protocol: c.protocol,
      predicted: { allowed: c.allowed, reason: names.caseText(c.reason), ...(c.allowed ? {} : { directions: directionsOf(c.from, c.to, c.port, c.protocol) }) },
    });
    let source = sources.get(c.from);
    if (!source) {
      const [namespace, pod] = c.from.split("/");
      source = { namespace, pod, container: firstContainer(byId.get(c.from)!), targets: [] };
      sources.set(c.from, source);
    }
    source.targets.push({ cell: index, ip, port: c.port, protocol: c.protocol });
  }
  return { pods: matrix.ids.map((id) => names.casePodId(id)), cells, sources: [...sources.values()] };
}
