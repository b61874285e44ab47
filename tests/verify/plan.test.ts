import { strict as assert } from "node:assert";
import { PRICES_API_URL } from "../../core/stack/names";
import {
  MANAGED_BY_LABEL,
  planProbes,
  PROBE_IMAGE,
  PROBE_SCRIPT,
  probePodName,
  RUN_ID_LABEL,
} from "../../core/verify/plan";
import { devExpectations, devPlan } from "./helpers";

type PodSpec = {
  restartPolicy: string;
  automountServiceAccountToken: boolean;
  activeDeadlineSeconds: number;
  securityContext: { runAsNonRoot: boolean; runAsUser: number };
  containers: Array<{
    image: string;
    command: string[];
    env: Array<{ name: string; value: string }>;
    resources: { requests: Record<string, string>; limits: Record<string, string> };
    securityContext: { allowPrivilegeEscalation: boolean; readOnlyRootFilesystem: boolean; capabilities: { drop: string[] } };
  }>;
};

describe("verify: probe plan", () => {
  it("probes the dev stack's allowed caller and every impostor, with the engine's expected verdicts", () => {
    const plan = devPlan();
    const rows = plan.probes.map((p) => `${p.expectation.id} ${p.expectation.engineAllowed ? "allowed" : "denied"}`);
    assert.deepEqual(rows, [
      "critical-project/consumer allowed",
      "default/consumer denied",
      "pricing-ns/consumer denied",
      "copycat-critical-project/consumer denied",
      "critical-project/unlabelled denied",
      "default/unlabelled denied",
      "pricing-ns/unlabelled denied",
    ]);
    assert.deepEqual(plan.probes.map((p) => p.index), [1, 2, 3, 4, 5, 6, 7]);
  });

  it("creates only the impostor namespace, with the copied labels plus ownership labels", () => {
    const plan = devPlan();
    assert.deepEqual(plan.namespaces, [
      {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: {
          name: "copycat-critical-project",
          labels: { project: "critical-project", "netpol-probe": "true", [MANAGED_BY_LABEL]: "netpol-verify", [RUN_ID_LABEL]: "run1" },
        },
      },
    ]);
  });

  it("gives each pod the probe's labels plus the ownership labels, in the probe's namespace", () => {
    const plan = devPlan();
    const allowed = plan.probes[0];
    assert.equal(allowed.pod.metadata.namespace, "critical-project");
    assert.deepEqual(allowed.pod.metadata.labels, { app: "prices-api-consumer", [MANAGED_BY_LABEL]: "netpol-verify", [RUN_ID_LABEL]: "run1" });
    const plain = plan.probes.find((p) => p.expectation.id === "default/unlabelled")!;
    assert.deepEqual(plain.pod.metadata.labels, { [MANAGED_BY_LABEL]: "netpol-verify", [RUN_ID_LABEL]: "run1" });
    // No probe may carry the target's label: it would become an endpoint of the Service it probes.
    for (const p of plan.probes) assert.notEqual(p.pod.metadata.labels?.app, "prices-api");
  });

  it("names pods netpol-probe-<name>-<random>, unique per namespace and valid DNS labels", () => {
    const plan = devPlan();
    assert.equal(plan.probes[0].podName, "netpol-probe-consumer-s1");
    const keys = plan.probes.map((p) => `${p.namespace}/${p.podName}`);
    assert.equal(new Set(keys).size, keys.length);
    for (const p of plan.probes) assert.match(p.podName, /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
    assert.equal(probePodName("A".repeat(80) + " Consumer", "abcde").length, 63);
    assert.match(probePodName("Consumer 1", "x1"), /^netpol-probe-consumer-1-x1$/);
  });

  it("runs one hardened, pinned curl against the Service URL with a short connect timeout", () => {
    const spec = devPlan().probes[0].pod.spec as PodSpec;
    assert.equal(spec.restartPolicy, "Never");
    assert.equal(spec.automountServiceAccountToken, false);
    assert.ok(spec.activeDeadlineSeconds > 0);
    assert.equal(spec.securityContext.runAsNonRoot, true);
    assert.equal(typeof spec.securityContext.runAsUser, "number");
    const [c] = spec.containers;
    assert.equal(c.image, PROBE_IMAGE);
    assert.match(c.image, /^curlimages\/curl:\d+\.\d+\.\d+@sha256:[0-9a-f]{64}$/);
    assert.deepEqual(c.command, ["sh", "-c", PROBE_SCRIPT]);
    assert.deepEqual(c.env, [{ name: "PROBE_URL", value: PRICES_API_URL }]);
    assert.equal(PRICES_API_URL, "http://prices-api-service.pricing-ns.svc.cluster.local/price/1");
    assert.match(PROBE_SCRIPT, /^sleep 3; /, "gives the policy engine a moment to learn the new pod");
    assert.match(PROBE_SCRIPT, /--connect-timeout 5 /);
    assert.match(PROBE_SCRIPT, /echo "NETPOL_PROBE exit=\$rc \$out"/);
    assert.deepEqual(c.securityContext, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
    assert.ok(c.resources.requests.cpu && c.resources.limits.memory);
  });

  it("refuses an empty plan, duplicate probe ids, a bad run id and a bad suffix", () => {
    const e = devExpectations();
    const suffix = () => "a1";
    assert.throws(() => planProbes([], { runId: "r", randomSuffix: suffix }), /no probes to run/);
    assert.throws(() => planProbes([e[0], e[0]], { runId: "r", randomSuffix: suffix }), /two probes share the id "critical-project\/consumer"/);
    assert.throws(() => planProbes(e, { runId: "Run_1", randomSuffix: suffix }), /run id "Run_1" is not a label value/);
    assert.throws(() => planProbes(e, { runId: "r", randomSuffix: () => "UP" }), /random suffix "UP"/);
  });

  it("refuses a namespace that one probe creates and another expects to exist", () => {
    const e = devExpectations();
    const clash = { ...e[1], id: "default/other", createsNamespace: true };
    assert.throws(() => planProbes([e[1], clash], { runId: "r", randomSuffix: () => "a1" }), /namespace default is both created by a probe and expected to exist/);
  });
});
