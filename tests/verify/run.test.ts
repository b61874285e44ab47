import { strict as assert } from "node:assert";
import { KubeTimeoutError } from "../../cli/verify/kubeClient";
import { LEFTOVER_CLEANUP_COMMAND } from "../../core/verify/plan";
import { type RunInput, type RunResult, runVerify } from "../../core/verify/run";
import { type Behaviour, FakeClock, FakeCluster, REACHED, TIMED_OUT } from "./fakeCluster";
import { devPlan, probeIdOf } from "./helpers";

const FINISH = [{ phase: "Pending" as const }, { phase: "Running" as const }, { phase: "Succeeded" as const }];

/** A cluster that enforces the dev stack's policies: only the allowed caller gets through. */
const enforcing: Behaviour = (pod) => ({ states: FINISH, log: probeIdOf(pod) === "critical-project/consumer" ? REACHED : TIMED_OUT });
/** A cluster without a policy engine: everyone gets through. */
const unenforced: Behaviour = () => ({ states: FINISH, log: REACHED });

function setup(behaviour: Behaviour, options: Partial<RunInput["options"]> = {}) {
  const cluster = new FakeCluster(behaviour);
  const clock = new FakeClock();
  const lines: string[] = [];
  const input: RunInput = { plan: devPlan(), client: cluster, clock, progress: (l) => lines.push(l), options: { pollIntervalMs: 1000, ...options } };
  return { cluster, clock, lines, input };
}

function assertAllDeleted(cluster: FakeCluster, result?: RunResult) {
  assert.ok(cluster.created.length > 0, "the run created something");
  assert.deepEqual(cluster.leftovers(), [], "every created object is gone");
  assert.deepEqual([...cluster.deleted].sort(), [...cluster.created].sort(), "every created object was deleted exactly once");
  if (result) assert.deepEqual(result.cleanup.failed, []);
}

describe("verify: run orchestration (fake cluster)", () => {
  it("passes on a cluster that enforces the policies, and deletes every probe pod and namespace", async () => {
    const { cluster, lines, input } = setup(enforcing);
    const result = await runVerify(input);
    assert.equal(result.kind, "probed");
    if (result.kind !== "probed") return;
    assert.equal(result.report.exitCode, 0);
    assert.deepEqual(
      result.report.rows.map((r) => `${r.probe}:${r.observation.observed}`),
      [
        "critical-project/consumer:reached",
        "default/consumer:blocked",
        "pricing-ns/consumer:blocked",
        "copycat-critical-project/consumer:blocked",
        "critical-project/unlabelled:blocked",
        "default/unlabelled:blocked",
        "pricing-ns/unlabelled:blocked",
      ],
    );
    assert.equal(cluster.created.filter((c) => c.startsWith("pod ")).length, 7);
    assert.deepEqual(cluster.created.filter((c) => c.startsWith("namespace ")), ["namespace copycat-critical-project"]);
    assertAllDeleted(cluster, result);
    assert.equal(cluster.namespaces.has("copycat-critical-project"), false, "waited until the namespace was really gone");
    // The progress a person watches: each probe's phases, then its outcome.
    assert.ok(lines.includes("probe 4/7 copycat-critical-project/consumer: Pending → Running → done (denied: connect timed out after 5s)"), lines.join("\n"));
    assert.ok(lines.includes("probe 1/7 critical-project/consumer: Pending → Running → done (allowed: HTTP 200)"));
    assert.ok(lines.includes("probe 2/7 default/consumer: Pending → Running"));
  });

  it("reports every probe through on a cluster without a policy engine, and still cleans up", async () => {
    const { cluster, input } = setup(unenforced);
    const result = await runVerify(input);
    assert.equal(result.kind, "probed");
    if (result.kind !== "probed") return;
    assert.equal(result.report.exitCode, 1);
    assert.match(result.report.diagnosis ?? "", /not enforced on this cluster/);
    assertAllDeleted(cluster, result);
  });

  it("does not probe (nor blame the policy) when prices-api is not ready", async () => {
    const cases: Array<[FakeCluster["apiStatusValue"], RegExp]> = [
      [{ serviceExists: true, readyEndpoints: 1 }, /Deployment pricing-ns\/prices-api-deployment not found; is the stack deployed/],
      [{ deployment: { desiredReplicas: 1, availableReplicas: 0 }, serviceExists: true, readyEndpoints: 0 }, /0\/1 replicas available/],
      [{ deployment: { desiredReplicas: 1, availableReplicas: 1 }, serviceExists: false, readyEndpoints: 0 }, /Service pricing-ns\/prices-api-service not found/],
      [{ deployment: { desiredReplicas: 1, availableReplicas: 1 }, serviceExists: true, readyEndpoints: 0 }, /has no ready endpoints/],
    ];
    for (const [status, reason] of cases) {
      const { cluster, input } = setup(enforcing);
      cluster.apiStatusValue = status;
      const result = await runVerify(input);
      assert.equal(result.kind, "not-ready");
      if (result.kind !== "not-ready") return;
      assert.match(result.message, /^prices-api is not ready \(/);
      assert.match(result.message, reason);
      assert.match(result.message, /a down API would look like a blocking policy/);
      assert.deepEqual(cluster.created, [], "nothing was created");
    }
  });

  it("gives up on pods that never finish, reports them as probe errors, and deletes everything", async () => {
    const { cluster, clock, lines, input } = setup(() => ({ states: [{ phase: "Pending", reason: "ContainerCreating" }] }), { podTimeoutMs: 30_000 });
    const result = await runVerify(input);
    assert.equal(result.kind, "probed");
    if (result.kind !== "probed") return;
    assert.equal(result.report.exitCode, 1);
    assert.equal(result.report.errors, 7);
    assert.match(result.report.rows[0].observation.detail, /no result within 30s \(last state Pending: ContainerCreating\)/);
    assert.ok(clock.time >= 30_000 && clock.time < 40_000, `gave up at the deadline, not later (t=${clock.time})`);
    assert.ok(lines.some((l) => /probe 1\/7 .*: Pending \(ContainerCreating\)$/.test(l)));
    assertAllDeleted(cluster, result);
  });

  it("fails fast on a pod that cannot start (image pull) instead of waiting out the deadline", async () => {
    const { cluster, clock, input } = setup(() => ({ states: [{ phase: "Pending", reason: "ImagePullBackOff: Back-off pulling image" }] }));
    const result = await runVerify(input);
    assert.equal(result.kind, "probed");
    if (result.kind !== "probed") return;
    assert.match(result.report.rows[0].observation.detail, /cannot start: ImagePullBackOff/);
    assert.ok(clock.time < 5_000);
    assertAllDeleted(cluster, result);
  });

  it("reads the result of a pod that failed, and calls a failed pod without one a probe error", async () => {
    const { cluster, input } = setup((pod) =>
      probeIdOf(pod) === "default/consumer"
        ? { states: [{ phase: "Failed", reason: "DeadlineExceeded" }], log: "" }
        : { states: FINISH, log: probeIdOf(pod) === "critical-project/consumer" ? REACHED : TIMED_OUT },
    );
    const result = await runVerify(input);
    if (result.kind !== "probed") return assert.fail(result.kind);
    assert.equal(result.report.rows[1].observation.detail, "probe error: the probe pod failed (DeadlineExceeded) without a result");
    assert.equal(result.report.errors, 1);
    assertAllDeleted(cluster, result);
  });

  it("turns a pod that cannot be created into a probe error and still deletes the others", async () => {
    const { cluster, input } = setup(enforcing);
    cluster.failures.push({ method: "createPod", match: /^default\//, error: new Error('pods is forbidden: exceeded quota') });
    const result = await runVerify(input);
    if (result.kind !== "probed") return assert.fail(result.kind);
    const rows = result.report.rows.filter((r) => r.namespace === "default");
    assert.equal(rows.length, 2);
    for (const r of rows) assert.match(r.observation.detail, /could not create the probe pod: pods is forbidden: exceeded quota/);
    assert.equal(result.report.exitCode, 1);
    assert.deepEqual(cluster.leftovers(), []);
  });

  it("cleans up what it created when the run dies half-way with an error, and rethrows it", async () => {
    const { cluster, input } = setup(enforcing);
    cluster.failures.push({ method: "createNamespace", error: new Error("admission webhook denied the request") });
    await assert.rejects(runVerify(input), /admission webhook denied the request/);
    assert.deepEqual(cluster.leftovers(), []);
  });

  it("deletes a namespace whose create the server did but whose answer timed out (recorded before the call)", async () => {
    const { cluster, input } = setup(enforcing);
    cluster.failuresAfter.push({ method: "createNamespace", error: new KubeTimeoutError("https://api (create namespace)", 10_000) });
    await assert.rejects(runVerify(input), /did not answer within 10s/);
    assert.ok(cluster.created.includes("namespace copycat-critical-project"), "the server created it");
    assert.ok(cluster.deleted.includes("namespace copycat-critical-project"), "and cleanup deleted it");
    assert.deepEqual(cluster.leftovers(), []);
  });

  it("never deletes a namespace someone else created between its check and its create (409), and says so", async () => {
    const { cluster, lines, input } = setup(enforcing);
    cluster.beforeCreateNamespace = (name) => cluster.namespaces.set(name, { labels: { team: "someone" }, state: "active" });
    await assert.rejects(runVerify(input), /already exists/);
    assert.equal(cluster.namespaces.get("copycat-critical-project")?.state, "active", "somebody's namespace survives");
    assert.ok(!cluster.deleted.includes("namespace copycat-critical-project"));
    assert.ok(lines.some((l) => /cleanup: kept namespace copycat-critical-project: it is not this run's/.test(l)), lines.join("\n"));
  });

  it("never deletes a pod that was already there under a probe's name (409), and says so", async () => {
    const { cluster, lines, input } = setup(enforcing);
    const taken = input.plan.probes[0];
    const theirs = { apiVersion: "v1", kind: "Pod", metadata: { name: taken.podName, namespace: taken.namespace, labels: { app: "prices-api-consumer" } } };
    cluster.pods.set(`${taken.namespace}/${taken.podName}`, { pod: theirs, polls: 0, script: { states: [{ phase: "Running" }] } });
    const result = await runVerify(input);
    if (result.kind !== "probed") return assert.fail(result.kind);
    assert.match(result.report.rows[0].observation.detail, /could not create the probe pod: pods "netpol-probe-consumer-s1" already exists/);
    assert.ok(cluster.pods.has(`${taken.namespace}/${taken.podName}`), "the pod that was there survives");
    assert.ok(!cluster.deleted.includes(`pod ${taken.namespace}/${taken.podName}`));
    assert.deepEqual(result.cleanup.kept, [`pod ${taken.namespace}/${taken.podName}`]);
    assert.ok(lines.some((l) => l === `cleanup: kept pod ${taken.namespace}/${taken.podName}: it is not this run's (no netpol-verify/run-id=run1 label)`), lines.join("\n"));
    assert.deepEqual(cluster.leftovers(), [], "every pod verify did create is gone");
  });

  it("treats a pod status it cannot read as unknown until the deadline, then as a probe error", async () => {
    const { cluster, input } = setup(enforcing, { podTimeoutMs: 5_000 });
    cluster.failures.push({ method: "podState", error: new Error("connect ECONNREFUSED") });
    const result = await runVerify(input);
    if (result.kind !== "probed") return assert.fail(result.kind);
    assert.match(result.report.rows[0].observation.detail, /no result within 5s \(last state Unknown: status unavailable: connect ECONNREFUSED\)/);
    // A pod whose labels cannot be read cannot be shown to be this run's: it is reported, not deleted.
    assert.equal(result.cleanup.failed.length, 7);
    assert.match(result.cleanup.failed[0], /^pod \S+\/netpol-probe-\S+: connect ECONNREFUSED$/);
    assert.deepEqual(cluster.deleted.filter((d) => d.startsWith("pod ")), []);
  });

  it("on interrupt (SIGINT/SIGTERM) stops waiting, deletes every created object and says nothing was verified", async () => {
    const { cluster, lines, input } = setup(() => ({ states: [{ phase: "Pending" }] }));
    const controller = new AbortController();
    input.signal = controller.signal;
    input.progress = (l) => {
      lines.push(l);
      if (l.startsWith("probe 3/7") && l.endsWith("Pending")) controller.abort();
    };
    const result = await runVerify(input);
    assert.equal(result.kind, "interrupted");
    assert.ok(cluster.created.filter((c) => c.startsWith("pod ")).length === 7);
    assertAllDeleted(cluster, result);
    assert.ok(lines.includes("interrupted: deleting the probe pods and namespaces"));
  });

  it("on interrupt before any pod exists, creates nothing more", async () => {
    const { cluster, input } = setup(enforcing);
    const controller = new AbortController();
    input.signal = controller.signal;
    input.progress = (l) => {
      if (l.startsWith("created namespace")) controller.abort();
    };
    const result = await runVerify(input);
    assert.equal(result.kind, "interrupted");
    assert.deepEqual(cluster.created, ["namespace copycat-critical-project"]);
    assertAllDeleted(cluster, result);
  });

  it("reports objects it could not delete, with the leftover cleanup command", async () => {
    const { cluster, lines, input } = setup(enforcing);
    cluster.failures.push({ method: "deletePod", match: /^critical-project\//, error: new Error("etcdserver: request timed out") });
    const result = await runVerify(input);
    assert.equal(result.cleanup.failed.length, 2);
    assert.match(result.cleanup.failed[0], /^pod critical-project\/netpol-probe-\S+: etcdserver: request timed out$/);
    assert.ok(lines.some((l) => l.includes(LEFTOVER_CLEANUP_COMMAND)));
  });

  it("waits for a namespace of an earlier run that is still terminating, and refuses one that is taken", async () => {
    const first = setup(enforcing);
    first.cluster.namespaces.set("copycat-critical-project", { labels: {}, state: "terminating" });
    const ok = await runVerify(first.input);
    assert.equal(ok.kind, "probed");
    assert.ok(first.lines.includes("waiting for namespace copycat-critical-project of an earlier run to finish terminating"));

    const leftover = setup(enforcing);
    leftover.cluster.namespaces.set("copycat-critical-project", { labels: { "app.kubernetes.io/managed-by": "netpol-verify" }, state: "active" });
    await assert.rejects(runVerify(leftover.input), new RegExp(`left over from an earlier verify run; remove leftovers with: ${LEFTOVER_CLEANUP_COMMAND}`));
    assert.equal(leftover.cluster.namespaces.get("copycat-critical-project")?.state, "active", "someone else's namespace is never deleted");

    const foreign = setup(enforcing);
    foreign.cluster.namespaces.set("copycat-critical-project", { labels: {}, state: "active" });
    await assert.rejects(runVerify(foreign.input), /already exists and is not verify's/);
    assert.deepEqual(foreign.cluster.deleted, []);
  });
});
