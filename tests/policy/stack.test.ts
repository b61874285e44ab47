import assert from "node:assert/strict";
import { stackObjects } from "../../core/stack";
import { managedClusterSpec } from "../../core/stack/cluster";
import { readStackConfig } from "../../core/stackConfigFile";
import { policies, resourceRules, stackRules } from "../../policy/policies";
import { kubeResource, stackViolations, violations } from "./harness";

describe("policy pack on our own dev stack", () => {
  const resources = stackObjects(readStackConfig("dev")).map(kubeResource);

  it("has one enforcement level and a how-to-fix for every rule, with unique names", () => {
    assert.equal(new Set(policies.map((p) => p.name)).size, policies.length);
    for (const p of policies) {
      assert.ok(["advisory", "mandatory"].includes(p.enforcementLevel ?? ""), p.name);
      assert.ok((p.remediationSteps ?? "").length > 10, p.name);
    }
  });

  it("passes every mandatory rule", async () => {
    for (const rule of resourceRules.filter((r) => r.enforcementLevel === "mandatory")) {
      for (const r of resources) assert.deepEqual(await violations(rule, r), [], `${rule.name} on ${r.type} ${r.name}`);
    }
    for (const rule of stackRules) assert.deepEqual(await stackViolations(rule, resources), [], rule.name);
  });

  it("fires the advisory latest-tag rule on the tutorial image", async () => {
    const advisory = resourceRules.filter((r) => r.enforcementLevel === "advisory");
    const found = (await Promise.all(advisory.flatMap((rule) => resources.map((r) => violations(rule, r))))).flat();
    assert.equal(found.length, 1);
    assert.match(found[0], /Deployment pricing-ns\/prices-api-deployment: container "prices-api" uses the moving tag latest \(rahulrai\/prices-api:latest\)/);
  });

  it("passes the AKS rules on the stack's cluster, for every engine the config accepts", async () => {
    for (const networkPolicy of ["azure", "calico", "cilium"] as const) {
      const props = { ...managedClusterSpec({ ...readStackConfig("dev"), networkPolicy }) } as Record<string, unknown>;
      for (const rule of resourceRules) {
        assert.deepEqual(await violations(rule, { type: "azure-native:containerservice:ManagedCluster", props, name: "cluster" }), [], `${rule.name} with ${networkPolicy}`);
      }
    }
  });

  it("would catch the stack losing its default deny", async () => {
    const withoutDeny = resources.filter((r) => r.name !== "default-deny-ingress");
    assert.equal(withoutDeny.length, resources.length - 1);
    const found = await stackViolations(stackRules[0], withoutDeny);
    assert.match(found[0].message, /^Namespace pricing-ns runs Deployment pricing-ns\/prices-api-deployment/);
  });
});
