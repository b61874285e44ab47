import { strict as assert } from "node:assert";
import { cellsToReprobe, compareStep, tally } from "../../core/conformance/compare";
import { conformanceJson } from "../../core/conformance/json";
import { predictStep } from "../../core/conformance/prediction";
import { formatCase, formatReport } from "../../core/conformance/report";
import { RunNames } from "../../core/conformance/runNames";
import type { CaseResult, KnownDeviation } from "../../core/conformance/types";
import { fixtureCase, observationsFor, readBackOf, recorded } from "./helpers";

const names = new RunNames("ab12cd34");

/**
 * kube-router on upstream's "default-deny-ingress" case, one table per port and protocol as the run
 * saw them: everything into x is refused, the rest connects (self is never probed).
 */
const DENY_INTO_X = `
-   x/a x/b x/c y/a y/b y/c z/a z/b z/c
x/a -   X   X   .   .   .   .   .   .
x/b X   -   X   .   .   .   .   .   .
x/c X   X   -   .   .   .   .   .   .
y/a X   X   X   -   .   .   .   .   .
y/b X   X   X   .   -   .   .   .   .
y/c X   X   X   .   .   -   .   .   .
z/a X   X   X   .   .   .   -   .   .
z/b X   X   X   .   .   .   .   -   .
z/c X   X   X   .   .   .   .   .   -`;

function recordedDenyIntoX(overrides: Record<string, string> = {}) {
  const tables = new Map([...["TCP/80", "UDP/80", "TCP/81", "UDP/81"].flatMap((p) => [...recorded(DENY_INTO_X, p)])]);
  for (const [cell, mark] of Object.entries(overrides)) {
    const [from, to, port] = cell.split(" ");
    tables.set(`${from} ${to} ${port}`, recorded(`- ${to}\n${from} ${mark}`, port).get(`${from} ${to} ${port}`)!);
  }
  return tables;
}

function defaultDenyStep() {
  const c = fixtureCase("should-support-a-default-deny-ingress-policy");
  return { c, predicted: predictStep(readBackOf(c, 1, names), names) };
}

describe("conformance: prediction and comparison on recorded matrices", () => {
  it("plans one probe per ordered pair of distinct pods and declared port, by pod IP, named in the case's namespaces", () => {
    const { predicted } = defaultDenyStep();
    assert.equal(predicted.cells.length, 9 * 8 * 4);
    assert.deepEqual(predicted.pods, ["x/a", "x/b", "x/c", "y/a", "y/b", "y/c", "z/a", "z/b", "z/c"]);
    assert.ok(predicted.cells.every((c) => c.from !== c.to), "no pod probes itself");
    assert.equal(predicted.sources.length, 9);
    assert.ok(predicted.sources.every((s) => s.namespace.startsWith("nc-ab12cd34-") && s.container === "server" && s.targets.length === 32));
    assert.ok(predicted.sources.flatMap((s) => s.targets).every((t) => /^10\.244\.0\.\d+$/.test(t.ip)));
    const denied = predicted.cells.filter((c) => !c.predicted.allowed);
    assert.equal(denied.length, 8 * 3 * 4, "every probe into x, from every other pod, on every port");
    assert.ok(denied.every((c) => c.to.startsWith("x/")));
    assert.equal(denied.find((c) => c.from === "y/a" && c.to === "x/b" && c.port === 81 && c.protocol === "UDP")!.predicted.reason, "denied: ingress to x/b is isolated by x/deny-ingress and no rule admits y/a on UDP/81 (serve-81-udp)");
  });

  it("agrees cell by cell with the recorded matrix, whether a denied probe was refused or timed out", () => {
    const { c, predicted } = defaultDenyStep();
    const tables = recordedDenyIntoX({ "y/a x/a UDP/80": "T", "z/c x/b UDP/81": "T" });
    const first = observationsFor(predicted.cells, tables);
    assert.deepEqual(cellsToReprobe(predicted, first), []);
    const step = compareStep(1, predicted, first, new Map(), c.deviation);
    assert.ok(step.cells.every((x) => x.agrees));
    assert.deepEqual(tally([{ steps: [step] }]), { cases: 1, steps: 1, probes: 288, agreed: 288, disagreements: 0, knownDeviations: 0, errors: 0, reprobed: 0 });
  });

  it("finds the one cell where the packets and the engine disagree, after probing it again", () => {
    const { predicted } = defaultDenyStep();
    const first = observationsFor(predicted.cells, recordedDenyIntoX({ "y/a x/b TCP/80": ".", "z/a y/c UDP/81": "X" }));
    const again = cellsToReprobe(predicted, first);
    assert.equal(again.length, 2);
    // The second try: the open door into x/b stays open, the blocked y/c connects now (a slow enforcer).
    const second = new Map(again.map((i) => [i, predicted.cells[i].to === "x/b" ? first[i] : { outcome: "allowed" as const, detail: "connected" }]));
    const step = compareStep(1, predicted, first, second);
    const bad = step.cells.filter((x) => !x.agrees);
    assert.equal(bad.length, 1);
    assert.deepEqual([bad[0].from, bad[0].to, bad[0].port, bad[0].protocol], ["y/a", "x/b", 80, "TCP"]);
    const flaky = step.cells.find((x) => x.from === "z/a" && x.to === "y/c" && x.port === 81 && x.protocol === "UDP")!;
    assert.ok(flaky.agrees);
    assert.equal(flaky.firstObserved?.outcome, "blocked", "the first try is kept for the report");
    assert.equal(step.reprobed, 2);
  });

  it("never counts a probe without an answer as agreeing, in either direction", () => {
    const { predicted } = defaultDenyStep();
    const step = compareStep(1, predicted, observationsFor(predicted.cells, recordedDenyIntoX({ "x/a x/b TCP/80": "?", "x/a y/b TCP/80": "?" })), new Map());
    const t = tally([{ steps: [step] }]);
    assert.equal(t.errors, 2);
    assert.equal(t.disagreements, 0);
    assert.equal(t.agreed, 286);
  });

  it("lists a disagreement a deviation file covers as a known enforcer deviation, which fails nothing", () => {
    const { predicted } = defaultDenyStep();
    const deviation: KnownDeviation = { enforcer: "kube-router v2.1.0", upstreamTest: "should support a 'default-deny-ingress' policy", explanation: "UDP is not isolated", cells: [{ to: "x/b", protocol: "UDP" }], source: "d.yaml" };
    const first = observationsFor(predicted.cells, recordedDenyIntoX({ "y/a x/b UDP/80": ".", "y/a x/b TCP/80": "." }));
    const step = compareStep(1, predicted, first, new Map(), deviation);
    const t = tally([{ steps: [step] }]);
    assert.equal(t.knownDeviations, 1, "the UDP cell is covered");
    assert.equal(t.disagreements, 1, "the TCP cell is not");
  });
});

describe("conformance: truth tables, summary and json", () => {
  function result(overrides: Record<string, string>): CaseResult {
    const { c, predicted } = defaultDenyStep();
    const step = compareStep(1, predicted, observationsFor(predicted.cells, recordedDenyIntoX(overrides)), new Map());
    return { name: c.name, source: c.source, steps: [step], seconds: 4.25 };
  }

  it("prints one truth table per port and protocol, `!` where they disagree, and the disagreement in words", () => {
    const text = formatCase(result({ "y/a x/b TCP/80": "." }));
    const lines = text.split("\n");
    assert.match(lines[0], /^case should-support-a-default-deny-ingress-policy \(.*should-support-a-default-deny-ingress-policy\.yaml\): 1 step, 4\.3 s$/);
    assert.equal(lines[1], "step 1: 288 probes, 1 disagree");
    assert.equal(lines[2], "TCP/80 x/a x/b x/c y/a y/b y/c z/a z/b z/c");
    assert.equal(lines[3], "x/a    -   X   X   .   .   .   .   .   .");
    assert.equal(lines[6], "y/a    X   !   X   -   .   .   .   .   .");
    assert.deepEqual(lines.filter((l) => /^(TCP|UDP)\//.test(l)).map((l) => l.split(" ")[0]), ["TCP/80", "UDP/80", "TCP/81", "UDP/81"]);
    assert.ok(
      lines.includes("! y/a -> x/b TCP/80 (serve-80-tcp): engine says denied (denied: ingress to x/b is isolated by x/deny-ingress and no rule admits y/a on TCP/80 (serve-80-tcp)); the packets got through"),
      text,
    );
  });

  it("sums up: OK when all agree, FAILED with the counts otherwise", () => {
    assert.match(formatReport([result({})], 4.25), /conformance: 1 cases, 1 steps, 288 probes \(0 probed again\), 288 agree, 0 disagreements, 0 known enforcer deviations, 0 without an answer; 4\.3 s \(4\.3 s per case\)\nOK: the engine and the packets agree\.\n$/);
    assert.match(formatReport([result({ "y/a x/b TCP/80": ".", "x/a y/a UDP/81": "?" })], 10), /FAILED: 1 disagreements and 1 probes without an answer\.\n$/);
  });

  it("writes every disagreement to json with case, step, cell, the engine's verdict and reason, and what the packets did", () => {
    const doc = JSON.parse(conformanceJson([result({ "y/a x/b TCP/80": ".", "x/a y/a UDP/81": "T" })], 10, { context: "local", server: "https://127.0.0.1:6443", runId: "ab12cd34" }));
    assert.equal(doc.version, 1);
    assert.deepEqual(doc.summary, { cases: 1, steps: 1, probes: 288, agreed: 286, disagreements: 2, knownDeviations: 0, errors: 0, reprobed: 0, seconds: 10 });
    assert.deepEqual(doc.disagreements[1], {
      case: "should-support-a-default-deny-ingress-policy",
      step: 1,
      from: "x/a",
      to: "y/a",
      port: 81,
      portName: "serve-81-udp",
      protocol: "UDP",
      engine: { allowed: true, reason: "allowed on UDP/81 (serve-81-udp): egress from x/a is not isolated; ingress to y/a is not isolated" },
      packets: { outcome: "blocked", detail: "TIMEOUT" },
      knownDeviation: false,
    });
    assert.deepEqual(doc.cases[0].steps, [{ step: 1, probes: 288, agreed: 286, reprobed: 0, disagreements: 2, knownDeviations: 0, errors: 0 }]);
  });
});
