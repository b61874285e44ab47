import { strict as assert } from "node:assert";
import { compareStep } from "../../core/conformance/compare";
import { KUBE_ROUTER_ONE_POLICY_EITHER_DIRECTION } from "../../core/conformance/enforcerBehaviours";
import { predictStep } from "../../core/conformance/prediction";
import { RunNames } from "../../core/conformance/runNames";
import type { Observation } from "../../core/conformance/types";
import { loadCases } from "../../core/conformance/caseFiles";
import { CONFORMANCE_FIXTURES, fixtureCase, readBackOf } from "./helpers";

const DEVIATING = "should-work-with-ingress-egress-specified-together-ports-within-one-namespace";
const names = new RunNames("t1");
const cellsOf = (name: string) => predictStep(readBackOf(fixtureCase(name), 1, names), names).cells;
const key = (c: { from: string; to: string; port: number; protocol: string }) => `${c.from} ${c.to} ${c.protocol}/${c.port}`;

describe("conformance: known enforcer deviations by shape", () => {
  it("recognises exactly the cells the written case's deviation file lists, from the engine's verdict alone", () => {
    const c = fixtureCase(DEVIATING);
    const byShape = cellsOf(DEVIATING).filter((cell) => KUBE_ROUTER_ONE_POLICY_EITHER_DIRECTION.matches(cell, cell.predicted));
    assert.ok(byShape.length > 0);
    const listed = (cell: { from: string; to: string; protocol: string }) => c.deviation!.cells.some((d) => d.from === cell.from && d.to === cell.to && d.protocol === cell.protocol);
    assert.deepEqual(byShape.filter((cell) => !listed(cell)).map(key), [], "the shape reaches no cell the file leaves out");
    for (const d of c.deviation!.cells) assert.ok(byShape.some((cell) => cell.from === d.from && cell.to === d.to && cell.protocol === d.protocol), `the shape misses ${d.from} -> ${d.to}`);
  });

  it("reaches no cell of any other fixture, the variants kube-router enforces as the spec says included", () => {
    for (const c of loadCases([CONFORMANCE_FIXTURES]).filter((x) => x.name !== DEVIATING)) {
      c.steps.forEach((_, i) => {
        const cells = predictStep(readBackOf(c, i + 1, names), names).cells;
        assert.deepEqual(cells.filter((cell) => KUBE_ROUTER_ONE_POLICY_EITHER_DIRECTION.matches(cell, cell.predicted)).map(key), [], `${c.name} step ${i + 1}`);
      });
    }
  });

  it("explains a disagreement only where the packets got through; a block the engine did not predict stays a disagreement", () => {
    const predicted = predictStep(readBackOf(fixtureCase(DEVIATING), 1, names), names);
    const shaped = predicted.cells.findIndex((cell) => KUBE_ROUTER_ONE_POLICY_EITHER_DIRECTION.matches(cell, cell.predicted));
    const allowedCell = predicted.cells.findIndex((cell) => cell.predicted.allowed);
    const observations: Observation[] = predicted.cells.map((cell) => ({ outcome: cell.predicted.allowed ? "allowed" : "blocked", detail: "recorded" }));
    observations[shaped] = { outcome: "allowed", detail: "connected" };
    observations[allowedCell] = { outcome: "blocked", detail: "REFUSED" };
    const step = compareStep(1, predicted, observations, new Map(), undefined, [KUBE_ROUTER_ONE_POLICY_EITHER_DIRECTION]);
    assert.equal(step.cells[shaped].knownDeviation, true);
    assert.equal(step.cells[shaped].explainedBy?.upstreamTest, "should work with Ingress, Egress specified together");
    assert.equal(step.cells[allowedCell].knownDeviation, false);
    assert.equal(step.cells[allowedCell].agrees, false);
  });
});
