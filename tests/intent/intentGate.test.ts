import { strict as assert } from "node:assert";
import * as path from "node:path";
import type { AllowedCaller, StackConfig } from "../../core/config";
import { stackIntent } from "../../core/intent";
import { assertIntent, checkIntent, expectedProbeResults, IntentViolationError, probeCallers, probeObjects } from "../../core/intentGate";
import { ManifestError, type KubeObject } from "../../core/netpol";
import { stackObjects } from "../../core/stack";
import { readStackConfig } from "../../core/stackConfigFile";

const PROJECT_DIR = path.resolve(__dirname, "..", "..");
const BILLING: AllowedCaller = { namespace: "billing", namespaceLabels: { team: "billing" }, podLabels: { app: "invoicer" } };

function devConfig(): StackConfig {
  return readStackConfig("dev", PROJECT_DIR);
}

function twoCallerConfig(): StackConfig {
  const config = devConfig();
  return { ...config, allowedCallers: [...config.allowedCallers, BILLING] };
}

/** Deep copy, so a test can edit the stack's objects without touching anyone else's. */
function copy(objects: KubeObject[]): KubeObject[] {
  return JSON.parse(JSON.stringify(objects));
}

function find(objects: KubeObject[], kind: string, name: string): KubeObject & { spec: Record<string, unknown> } {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  assert.ok(o, `${kind} ${name} is in the stack`);
  return o as KubeObject & { spec: Record<string, unknown> };
}

/** The stack's objects with the tutorial's published policy: two peers, which Kubernetes ORs. */
function tutorialOrObjects(): KubeObject[] {
  const objects = copy(stackObjects(devConfig()));
  find(objects, "NetworkPolicy", "prices-api-network-policy").spec.ingress = [
    {
      from: [{ namespaceSelector: { matchLabels: { project: "critical-project" } } }, { podSelector: { matchLabels: { app: "prices-api-consumer" } } }],
    },
  ];
  return objects;
}

function violation(objects: KubeObject[], config: StackConfig): IntentViolationError {
  try {
    assertIntent(objects, stackIntent(config));
  } catch (err) {
    assert.ok(err instanceof IntentViolationError, `expected IntentViolationError, got ${String(err)}`);
    return err;
  }
  assert.fail("the gate accepted policies that break the intent");
}

describe("intent gate", () => {
  describe("probeCallers", () => {
    it("generalises curl-po-allow/curl-po-deny: the caller, then impostors in wrong and copycat namespaces", () => {
      const probes = probeCallers(stackIntent(devConfig()));
      assert.deepEqual(
        probes.map((p) => [p.id, p.intendedAllowed, p.createsNamespace]),
        [
          ["critical-project/consumer", true, false],
          ["default/consumer", false, false],
          ["pricing-ns/consumer", false, false],
          ["copycat-critical-project/consumer", false, true],
          ["critical-project/unlabelled", false, false],
          ["default/unlabelled", false, false],
          ["pricing-ns/unlabelled", false, false],
        ],
      );
      const copycat = probes[3];
      assert.deepEqual(copycat.namespaceLabels, { project: "critical-project" });
      assert.deepEqual(copycat.podLabels, { app: "prices-api-consumer" });
      assert.equal(copycat.description, "app=prices-api-consumer in a namespace that copies project=critical-project");
    });

    it("names one consumer probe per distinct caller label set, all names valid DNS labels", () => {
      const long: AllowedCaller = { namespace: "n".repeat(63), namespaceLabels: {}, podLabels: { app: "long" } };
      const probes = probeCallers(stackIntent({ allowedCallers: [...twoCallerConfig().allowedCallers, long] }));
      const allowed = probes.filter((p) => p.intendedAllowed).map((p) => p.id);
      assert.equal(allowed.length, 3);
      assert.equal(allowed[0], "critical-project/consumer");
      assert.match(allowed[1], /^billing\/invoicer-[a-z0-9]{6}$/);
      assert.match(allowed[2], new RegExp(`^${"n".repeat(63)}/long-[a-z0-9]{6}$`));
      assert.equal(new Set(probes.map((p) => p.id)).size, probes.length, "probe ids are unique");
      for (const p of probes) {
        assert.match(p.namespace, /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, p.namespace);
        assert.match(p.name, /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, p.name);
      }
    });

    it("names a probe by what it probes alone: adding, removing or reordering callers renames no probe", () => {
      const ids = (callers: AllowedCaller[]) => new Map(probeCallers(stackIntent({ allowedCallers: callers })).map((p) => [`${p.namespace} ${JSON.stringify(p.podLabels)}`, p.id]));
      const [tutorial] = devConfig().allowedCallers;
      const sameNamespace: AllowedCaller = { namespace: "critical-project", namespaceLabels: { project: "critical-project" }, podLabels: { app: "prices-api-reporter", tier: "batch" } };
      const one = ids([tutorial]);
      const configs = [[tutorial, BILLING], [BILLING, tutorial], [tutorial, BILLING, sameNamespace], [sameNamespace, BILLING, tutorial]];
      for (const callers of configs) {
        const more = ids(callers);
        for (const [probe, id] of one) assert.equal(more.get(probe), id, `${probe} in ${JSON.stringify(callers.map((c) => c.podLabels))}`);
      }
      const billing = ids([BILLING]);
      for (const [probe, id] of billing) assert.equal(ids([tutorial, sameNamespace, BILLING]).get(probe), id, probe);
      assert.deepEqual([...ids([tutorial, BILLING, sameNamespace]).values()].filter((id) => id.startsWith("critical-project/")).length, 3, "two callers in one namespace get two names");
    });

    it("never marks as impostor a probe the intent actually grants (a caller in default)", () => {
      const inDefault: AllowedCaller = { namespace: "default", namespaceLabels: {}, podLabels: { app: "prices-api-consumer" } };
      const probes = probeCallers(stackIntent({ allowedCallers: [inDefault] }));
      assert.deepEqual(probes.filter((p) => p.intendedAllowed).map((p) => p.id), ["default/consumer"]);
      assert.equal(probes.filter((p) => p.id === "default/consumer").length, 1);
    });

    it("builds probe pods without ports and creates only the copycat namespaces", () => {
      const objects = probeObjects(probeCallers(stackIntent(devConfig())));
      assert.deepEqual(objects.filter((o) => o.kind === "Namespace").map((o) => o.metadata.name), ["copycat-critical-project"]);
      assert.equal(objects.filter((o) => o.kind === "Pod").length, 7);
    });
  });

  describe("the stack's own policies", () => {
    it("pass for the dev stack: the caller is admitted and every impostor refused", () => {
      const config = devConfig();
      const check = checkIntent(stackObjects(config), stackIntent(config));
      assert.equal(check.ok, true, check.report);
      assert.deepEqual(check.mismatches, []);
      assert.deepEqual(check.exposures, []);
      assert.match(check.report, /^NetworkPolicy intent holds for pricing-ns\/prices-api-deployment \(TCP 8080\): 7 probes, 1 allowed and 6 denied/);
      assert.doesNotThrow(() => assertIntent(stackObjects(config), stackIntent(config)));
    });

    it("pass for a config with two callers, each admitted only from its own namespace", () => {
      const config = twoCallerConfig();
      const results = expectedProbeResults(stackObjects(config), stackIntent(config));
      const allowed = results.filter((r) => r.engineAllowed).map((r) => r.id);
      assert.equal(allowed.length, 2);
      assert.equal(allowed[0], "critical-project/consumer");
      assert.match(allowed[1], /^billing\/invoicer-[a-z0-9]{6}$/);
      assert.ok(results.some((r) => r.id === `copycat-${allowed[1]}` && !r.engineAllowed));
      assert.equal(checkIntent(stackObjects(config), stackIntent(config)).ok, true);
    });
  });

  describe("policies that break the intent", () => {
    it("reject the tutorial's two-peer OR policy with a readable diff", () => {
      const err = violation(tutorialOrObjects(), devConfig());
      const lines = err.message.split("\n");
      assert.equal(lines[0], "NetworkPolicy intent violated for pricing-ns/prices-api-deployment (TCP 8080): the policies grant more than intended.");
      const plus = lines.filter((l) => l.startsWith("  + ")).map((l) => l.slice(4).split(" ")[0]);
      assert.deepEqual(plus, ["pricing-ns/consumer", "copycat-critical-project/consumer", "critical-project/unlabelled"]);
      assert.ok(
        err.message.includes(
          "  + copycat-critical-project/consumer  (app=prices-api-consumer in a namespace that copies project=critical-project)  allowed, intended DENIED\n" +
            "      because: allowed on TCP/8080: egress from copycat-critical-project/consumer is not isolated; ingress to pricing-ns/prices-api-deployment is admitted by pricing-ns/prices-api-network-policy (ingress rule 0)",
        ),
        err.message,
      );
      assert.ok(!lines.some((l) => l.startsWith("  - ")), "the OR policy grants nothing less");
      assert.equal(err.check.ok, false);
    });

    it("reject an extra allow-all policy in pricing-ns", () => {
      const objects = copy(stackObjects(devConfig()));
      objects.push({
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name: "allow-all", namespace: "pricing-ns" },
        spec: { podSelector: {}, ingress: [{}] },
      });
      const check = checkIntent(objects, stackIntent(devConfig()));
      assert.equal(check.ok, false);
      assert.deepEqual(
        check.mismatches.map((m) => m.id),
        ["default/consumer", "pricing-ns/consumer", "copycat-critical-project/consumer", "critical-project/unlabelled", "default/unlabelled", "pricing-ns/unlabelled"],
      );
      assert.match(check.report, /grant more than intended/);
      assert.match(check.report, /because: .*pricing-ns\/allow-all/);
    });

    it("reject a policy that drops a caller (grants less)", () => {
      const config = twoCallerConfig();
      // The policy the stack builds for the first caller only, checked against the two-caller intent.
      const objects = copy(stackObjects(config));
      const onlyFirst = find(copy(stackObjects(devConfig())), "NetworkPolicy", "prices-api-network-policy");
      find(objects, "NetworkPolicy", "prices-api-network-policy").spec = onlyFirst.spec;
      const err = violation(objects, config);
      assert.match(err.message, /the policies grant less than intended\./);
      assert.match(err.message, /\n {2}- billing\/invoicer-[a-z0-9]{6} {2}\(allowed caller: app=invoicer in billing\) {2}denied, intended ALLOWED\n {6}because: denied: ingress to pricing-ns\/prices-api-deployment is isolated by/);
    });

    it("reject another pod of pricing-ns that someone can reach, and a pod no policy isolates", () => {
      const objects = copy(stackObjects(devConfig()));
      const metrics = {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "metrics", namespace: "pricing-ns" },
        spec: { template: { metadata: { labels: { app: "metrics" } }, spec: { containers: [{ name: "m", image: "m", ports: [{ containerPort: 9090 }] }] } } },
      };
      objects.push(metrics, {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name: "scrape", namespace: "pricing-ns" },
        spec: { podSelector: { matchLabels: { app: "metrics" } }, ingress: [{ from: [{ namespaceSelector: {} }] }] },
      });
      const check = checkIntent(objects, stackIntent(devConfig()));
      assert.equal(check.ok, false);
      assert.deepEqual(check.mismatches, [], "prices-api itself is still exact");
      assert.ok(check.exposures.some((e) => e.from === "default/unlabelled" && e.to === "pricing-ns/metrics" && e.port === 9090));
      assert.match(check.report, /\+ default\/unlabelled -> pricing-ns\/metrics on TCP 9090 {2}allowed, intended DENIED/);

      const open = copy(stackObjects(devConfig())).filter((o) => o.metadata.name !== "default-deny-ingress");
      open.push(metrics);
      const openCheck = checkIntent(open, stackIntent(devConfig()));
      assert.deepEqual(openCheck.exposures.map((e) => [e.from, e.to, e.port]), [["any pod", "pricing-ns/metrics", undefined]]);
      assert.match(openCheck.report, /no NetworkPolicy isolates ingress to pricing-ns\/metrics/);
    });

    it("report a target that no pod carries instead of passing vacuously", () => {
      const objects = stackObjects(devConfig()).filter((o) => o.kind !== "Deployment");
      const check = checkIntent(objects, stackIntent(devConfig()));
      assert.equal(check.ok, false);
      assert.match(check.report, /! no pod in pricing-ns has the target labels app=prices-api/);
    });
  });

  it("fails with a located ManifestError on an invalid object, not a wrong verdict", () => {
    const objects = copy(stackObjects(devConfig()));
    find(objects, "NetworkPolicy", "prices-api-network-policy").spec.podSelector = { matchExpressions: [{ key: "app", operator: "Equals", values: ["x"] }] };
    assert.throws(
      () => checkIntent(objects, stackIntent(devConfig())),
      (err: unknown) => err instanceof ManifestError && /spec\.podSelector\.matchExpressions\[0\]\.operator/.test(err.message),
    );
  });
});
