import { strict as assert } from "node:assert";
import { tally } from "../../core/conformance/compare";
import { ConformanceError, runConformance, type RunInput } from "../../core/conformance/run";
import { RunNames, RUN_ID_LABEL } from "../../core/conformance/runNames";
import type { ConformanceCase } from "../../core/conformance/types";
import { FakeClock } from "../verify/fakeCluster";
import { FakeCluster, type Enforcer } from "./fakeCluster";
import { fixtureCase } from "./helpers";

const DENY_INGRESS = "should-support-a-default-deny-ingress-policy";
const UPDATED_POD = "should-allow-ingress-access-from-updated-pod";

function setup(cases: ConformanceCase[], enforcer?: Enforcer) {
  const cluster = new FakeCluster(enforcer);
  const clock = new FakeClock();
  const lines: string[] = [];
  const controller = new AbortController();
  const input: RunInput = { cases, names: new RunNames("ab12cd34"), client: cluster, clock, progress: (l) => lines.push(l), signal: controller.signal, options: { image: "localhost/agnhost:2.59" } };
  return { cluster, clock, lines, controller, input };
}

const created = (cluster: FakeCluster, what: string) => cluster.log.filter((l) => l.startsWith(what));

describe("conformance: a run against a fake cluster", () => {
  it("agrees everywhere on a cluster that enforces the spec, starts the model's pods once for all cases, and leaves nothing behind", async () => {
    const { cluster, lines, input } = setup([fixtureCase(DENY_INGRESS), fixtureCase(UPDATED_POD)]);
    const result = await runConformance(input);
    assert.equal(result.kind, "done");
    const t = tally(result.results);
    assert.deepEqual([t.cases, t.steps, t.probes, t.agreed, t.disagreements, t.errors], [2, 3, 3 * 288, 3 * 288, 0, 0]);
    assert.equal(created(cluster, "create pod").length, 9, "the second case reuses the first case's pods");
    assert.deepEqual(created(cluster, "create namespace"), ["create namespace nc-ab12cd34-x", "create namespace nc-ab12cd34-y", "create namespace nc-ab12cd34-z"]);
    assert.ok(cluster.log.includes("delete policy nc-ab12cd34-x/deny-ingress"), "the first case's policy goes before the second case");
    assert.ok(cluster.log.includes("label pod nc-ab12cd34-x/b"), "step 2 relabels x/b");
    assert.equal(cluster.execs.length, 3 * 9, "one exec per source pod and step");
    assert.deepEqual(cluster.leftovers(), []);
    assert.deepEqual(result.cleanup.deleted, ["nc-ab12cd34-x", "nc-ab12cd34-y", "nc-ab12cd34-z"]);
    assert.ok(lines.includes(`case ${UPDATED_POD} step 2/2: 288 probes, all agree`), lines.join("\n"));
  });

  it("reports the cells an enforcer gets wrong, probing each once more before it counts", async () => {
    // An enforcer that lets UDP into x/b through although the policy isolates it.
    const leaky: Enforcer = (p, spec) => (spec || (p.protocol === "UDP" && p.to.endsWith("-x/b")) ? "connected" : "TIMEOUT");
    const { cluster, lines, input } = setup([fixtureCase(DENY_INGRESS)], leaky);
    const result = await runConformance(input);
    const step = result.results[0].steps[0];
    const bad = step.cells.filter((c) => !c.agrees);
    assert.equal(bad.length, 8 * 2, "from every other pod, on UDP 80 and 81");
    assert.ok(bad.every((c) => c.to === "x/b" && c.protocol === "UDP" && c.observed.outcome === "allowed" && c.firstObserved?.outcome === "allowed"));
    assert.equal(step.reprobed, 16);
    assert.equal(cluster.execs.length, 9 + 8, "the second round probes only the sources of disagreeing cells");
    assert.ok(lines.some((l) => /16 of 288 cells disagree; probing them again in 3s/.test(l)));
    assert.deepEqual(cluster.leftovers(), []);
  });

  it("counts a cell that was wrong at first and right when probed again as agreeing", async () => {
    const slow: Enforcer = (_p, spec, attempt) => (attempt === 1 ? (spec ? "TIMEOUT" : "connected") : spec ? "connected" : "REFUSED");
    const { input } = setup([fixtureCase(DENY_INGRESS)], slow);
    const result = await runConformance(input);
    const t = tally(result.results);
    assert.equal(t.agreed, 288);
    assert.equal(t.reprobed, 288);
  });

  it("stops when interrupted halfway, deletes every namespace it created and nothing else, and keeps what it finished", async () => {
    const { cluster, controller, input } = setup([fixtureCase(DENY_INGRESS), fixtureCase(UPDATED_POD)]);
    let execs = 0;
    cluster.onExec = () => {
      if (++execs === 12) controller.abort();
    };
    const result = await runConformance(input);
    assert.equal(result.kind, "interrupted");
    assert.deepEqual(result.results.map((r) => r.name), [DENY_INGRESS], "the first case finished before the interrupt");
    assert.deepEqual(cluster.leftovers(), []);
    assert.deepEqual([...cluster.namespaces.keys()].filter((n) => n.startsWith("nc-")).map((n) => cluster.namespaces.get(n)!.state), ["terminating", "terminating", "terminating"]);
    assert.ok(cluster.namespaces.has("default") && cluster.namespaces.has("kube-system"), "nothing it did not create");
  });

  it("fails at once on a server pod that cannot start, naming it and the image, and still cleans up", async () => {
    const { cluster, input } = setup([fixtureCase(DENY_INGRESS)]);
    cluster.podTrouble = (pod) => (pod.metadata.name === "b" && pod.metadata.namespace === "nc-ab12cd34-y" ? { phase: "Pending", ready: false, reason: "ErrImageNeverPull: image localhost/agnhost:2.59 is not present" } : undefined);
    await assert.rejects(runConformance(input), (e: unknown) => e instanceof ConformanceError && /server pod y\/b cannot start: ErrImageNeverPull.*\(image localhost\/agnhost:2\.59; another one with --image\)/.test(e.message));
    assert.deepEqual(cluster.leftovers(), []);
  });

  it("deletes what it created when the cluster fails halfway, even a namespace whose create seemed to fail", async () => {
    const { cluster, input } = setup([fixtureCase(DENY_INGRESS)]);
    cluster.failures.push({ method: "createNamespace", match: /-z$/, error: new Error("the create timed out"), after: true });
    await assert.rejects(runConformance(input), /the create timed out/);
    assert.deepEqual(cluster.leftovers(), []);
    assert.ok(cluster.log.includes("delete namespace nc-ab12cd34-z"));
  });

  it("leaves a namespace of its name that is not its own alone, and says so", async () => {
    const { cluster, input } = setup([fixtureCase(DENY_INGRESS)]);
    cluster.namespaces.set("nc-ab12cd34-y", { labels: { [RUN_ID_LABEL]: "someone-else" }, state: "active" });
    await assert.rejects(runConformance(input), /namespace nc-ab12cd34-y already exists and is not this run's; it is left alone/);
    assert.equal(cluster.namespaces.get("nc-ab12cd34-y")?.state, "active");
    assert.deepEqual(cluster.leftovers(), ["nc-ab12cd34-y"]);
    assert.ok(!cluster.log.includes("delete namespace nc-ab12cd34-y"));
  });

  it("refuses to probe when the cluster holds a policy that means something else than the case (a dropped `from`)", async () => {
    const { cluster, input } = setup([fixtureCase("should-enforce-policy-based-on-podselector-and-namespaceselector")]);
    cluster.mutatePolicy = (p) => {
      const copy = structuredClone(p) as any;
      for (const rule of copy.spec.ingress) delete rule.from;
      return copy;
    };
    await assert.rejects(
      runConformance(input),
      (e: unknown) =>
        e instanceof ConformanceError &&
        /case should-enforce-policy-based-on-podselector-and-namespaceselector step 1: the cluster does not hold the objects as applied, so the case would not test what it says:\n {2}NetworkPolicy x\/allow-ns-y-podselector-and-nsselector reads back as \{"podSelector":\{"matchLabels":\{"pod":"a"\}\},"ingress":\[\{\}\]/.test(e.message),
    );
    assert.equal(cluster.execs.length, 0, "nothing was probed");
    assert.deepEqual(cluster.leftovers(), []);
  });

  it("turns a failed exec into cells without an answer rather than a verdict", async () => {
    const { cluster, input } = setup([fixtureCase(DENY_INGRESS)]);
    cluster.failures.push({ method: "exec", match: /-z\/c$/, error: new Error("container not found") });
    const result = await runConformance(input);
    const t = tally(result.results);
    assert.equal(t.errors, 32);
    assert.match(result.results[0].steps[0].cells.find((c) => c.from === "z/c")!.observed.detail, /exec in z\/c failed: container not found/);
  });
});
