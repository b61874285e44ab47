import * as path from "node:path";
import { loadCases } from "../../core/conformance/caseFiles";
import type { ReadBack } from "../../core/conformance/prediction";
import { clusterState } from "../../core/conformance/reconcile";
import type { RunNames } from "../../core/conformance/runNames";
import { stateAfter } from "../../core/conformance/state";
import type { ConformanceCase, Observation, ProbeCell } from "../../core/conformance/types";

export const CONFORMANCE_FIXTURES = path.resolve(__dirname, "..", "fixtures", "conformance");

let fixtures: ConformanceCase[] | undefined;

export function fixtureCase(name: string): ConformanceCase {
  fixtures ??= loadCases([CONFORMANCE_FIXTURES]);
  const c = fixtures.find((x) => x.name === name);
  if (!c) throw new Error(`no fixture case ${name}`);
  return c;
}

/** What the API server would return for a case's step: name labels on namespaces, an IP per pod. */
export function readBackOf(c: ConformanceCase, step: number, names: RunNames, image = "agnhost"): ReadBack {
  const state = clusterState(stateAfter(c, step), names, image);
  let ip = 10;
  return {
    namespaces: [...state.namespaces.values()].map((n) => ({ ...n, metadata: { ...n.metadata, labels: { ...n.metadata.labels, "kubernetes.io/metadata.name": n.metadata.name } } })),
    pods: [...state.pods.values()].map((p) => ({ ...p, status: { phase: "Running", podIP: `10.244.0.${ip++}` } })),
    networkPolicies: [...state.policies.values()],
  };
}

/**
 * Observations from a recorded truth table (upstream's layout: a header of destinations, then one
 * row per source; `.` connected, `X` refused, `T` timed out, `?` no answer), applied to every cell of
 * the given port and protocol.
 */
export function recorded(table: string, port: string): Map<string, Observation> {
  const [head, ...rows] = table.trim().split("\n").map((l) => l.trim().split(/\s+/));
  const out = new Map<string, Observation>();
  for (const row of rows) {
    const from = row[0];
    row.slice(1).forEach((mark, i) => {
      const to = head[i + 1];
      const o: Observation | undefined =
        mark === "." ? { outcome: "allowed", detail: "connected" } : mark === "X" ? { outcome: "blocked", detail: "REFUSED" } : mark === "T" ? { outcome: "blocked", detail: "TIMEOUT" } : mark === "?" ? { outcome: "error", detail: "OTHER: no route to host" } : undefined;
      if (o) out.set(`${from} ${to} ${port}`, o);
    });
  }
  return out;
}

export function observationsFor(cells: readonly ProbeCell[], tables: ReadonlyMap<string, Observation>): Observation[] {
  return cells.map((c) => {
    const o = tables.get(`${c.from} ${c.to} ${c.protocol}/${c.port}`);
    if (!o) throw new Error(`the recording has no cell ${c.from} -> ${c.to} ${c.protocol}/${c.port}`);
    return o;
  });
}
