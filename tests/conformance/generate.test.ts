import { strict as assert } from "node:assert";
import { DIRECTIONS, EXTRAS, generateCases, PEERS, PORTS, UPDATES } from "../../core/conformance/generate";
import { seededRandom } from "../../core/seededRandom";
import { predictStep } from "../../core/conformance/prediction";
import { RunNames } from "../../core/conformance/runNames";
import { stateAfter } from "../../core/conformance/state";
import { readBackOf } from "./helpers";

const policiesOf = (cases: ReturnType<typeof generateCases>) =>
  cases.flatMap((g) => g.case.steps.flatMap((s) => s.apply.filter((o) => o.object.kind === "NetworkPolicy").map((o) => o.object.spec as any)));

describe("conformance: the seeded generator", () => {
  it("gives the same cases for the same seed and other cases for another", () => {
    const a = JSON.stringify(generateCases(30, 1).map((g) => g.case.steps));
    assert.equal(JSON.stringify(generateCases(30, 1).map((g) => g.case.steps)), a);
    assert.notEqual(JSON.stringify(generateCases(30, 2).map((g) => g.case.steps)), a);
    const r = seededRandom(7);
    const draws = Array.from({ length: 1000 }, r);
    assert.ok(draws.every((x) => x >= 0 && x < 1));
    assert.ok(new Set(draws.map((x) => Math.floor(x * 10))).size === 10, "draws spread over [0, 1)");
  });

  it("covers every value of every axis within 30 cases, whatever the seed", () => {
    for (const seed of [1, 2, 99]) {
      const shapes = generateCases(30, seed).map((g) => g.shape);
      for (const [axis, values] of [["direction", DIRECTIONS], ["peer", PEERS], ["port", PORTS], ["extra", EXTRAS], ["update", UPDATES]] as const) {
        assert.deepEqual(new Set(shapes.map((s) => s[axis])), new Set(values), `seed ${seed}: ${axis}`);
      }
    }
  });

  it("writes what the axes say into the policies: named ports, endPort, protocol-only ports, matchExpressions, both directions, default denies", () => {
    const specs = policiesOf(generateCases(30, 1));
    const ports = specs.flatMap((s) => [...(s.ingress ?? []), ...(s.egress ?? [])].flatMap((r: any) => r.ports ?? []));
    assert.ok(ports.some((p: any) => typeof p.port === "string" && /^serve-8[01]-(tcp|udp)$/.test(p.port)), "a named port");
    assert.ok(ports.some((p: any) => p.endPort === 81), "an endPort range");
    assert.ok(ports.some((p: any) => p.port === undefined && p.protocol), "a protocol without port");
    const peers = specs.flatMap((s) => [...(s.ingress ?? []).flatMap((r: any) => r.from ?? []), ...(s.egress ?? []).flatMap((r: any) => r.to ?? [])]);
    assert.ok(peers.some((p: any) => p.namespaceSelector?.matchExpressions), "matchExpressions");
    assert.ok(peers.some((p: any) => p.namespaceSelector && p.podSelector), "a peer with both selectors");
    assert.ok(specs.some((s) => s.policyTypes?.length === 2 && s.ingress && s.egress), "ingress and egress in one policy");
    assert.ok(specs.some((s) => Object.keys(s.podSelector).length === 0 && !s.ingress?.length && !s.egress?.length), "a default deny");
  });

  it("makes valid cases the engine can predict, with steps that change labels and policies", () => {
    const names = new RunNames("ab12cd34");
    const cases = generateCases(30, 1);
    assert.ok(cases.some((g) => g.case.steps.length === 2 && g.case.steps[1].delete.length === 1), "a step deletes a policy");
    for (const { case: c } of cases) {
      assert.match(c.name, /^generated-1-\d\d$/);
      for (const step of c.steps) {
        assert.equal(predictStep(readBackOf(c, step.index, names), names).cells.length, 288, c.name);
        assert.equal(stateAfter(c, step.index).pods.size, 9);
      }
    }
  });
});
