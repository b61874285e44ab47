import assert from "node:assert/strict";
import { aksLoadBalancerSku } from "../../policy/rules/aksLoadBalancerSku";
import { aksNetworkPolicy } from "../../policy/rules/aksNetworkPolicy";
import { cluster, MANAGED_CLUSTER } from "./fixtures";
import { violations } from "./harness";

describe("policy aks-network-policy-engine", () => {
  for (const engine of ["azure", "calico", "Azure"]) {
    it(`passes networkPolicy ${engine}`, async () => {
      assert.deepEqual(await violations(aksNetworkPolicy, cluster({ networkPolicy: engine, loadBalancerSku: "standard" })), []);
    });
  }

  it("passes cilium on the cilium dataplane", async () => {
    assert.deepEqual(await violations(aksNetworkPolicy, cluster({ networkPolicy: "cilium", networkDataplane: "cilium" })), []);
  });

  it("refuses a cluster without networkProfile, saying how to fix it", async () => {
    const [message, ...rest] = await violations(aksNetworkPolicy, cluster(undefined));
    assert.equal(rest.length, 0);
    assert.match(message, /networkPolicy unset/);
    assert.match(message, /Set networkProfile\.networkPolicy to "azure"/);
  });

  it("refuses networkPolicy none", async () => {
    const found = await violations(aksNetworkPolicy, cluster({ networkPolicy: "none" }));
    assert.equal(found.length, 1);
    assert.match(found[0], /networkPolicy none: NetworkPolicies would be accepted and never enforced/);
  });

  it("refuses cilium on the default dataplane", async () => {
    const found = await violations(aksNetworkPolicy, cluster({ networkPolicy: "cilium", networkDataplane: "azure" }));
    assert.equal(found.length, 1);
    assert.match(found[0], /Set networkProfile\.networkDataplane to "cilium"/);
  });

  it("applies to versioned ManagedCluster types too", async () => {
    const versioned = { ...cluster({ networkPolicy: "none" }), type: "azure-native:containerservice/v20240901:ManagedCluster" };
    assert.equal((await violations(aksNetworkPolicy, versioned)).length, 1);
    const preview = { ...cluster(undefined), type: "azure-native:containerservice/v20250102preview:ManagedCluster" };
    assert.equal((await violations(aksNetworkPolicy, preview)).length, 1);
  });

  it("ignores other resources", async () => {
    assert.deepEqual(await violations(aksNetworkPolicy, { type: "azure-native:resources:ResourceGroup", props: {} }), []);
    assert.deepEqual(await violations(aksNetworkPolicy, { type: `${MANAGED_CLUSTER}Snapshot`, props: {} }), []);
  });
});

describe("policy aks-standard-load-balancer", () => {
  it("passes loadBalancerSku standard (any case)", async () => {
    assert.deepEqual(await violations(aksLoadBalancerSku, cluster({ networkPolicy: "azure", loadBalancerSku: "standard" })), []);
    assert.deepEqual(await violations(aksLoadBalancerSku, cluster({ networkPolicy: "azure", loadBalancerSku: "Standard" })), []);
  });

  it("refuses the retired basic SKU with the retirement date and the fix", async () => {
    const found = await violations(aksLoadBalancerSku, cluster({ networkPolicy: "azure", loadBalancerSku: "basic" }));
    assert.equal(found.length, 1);
    assert.match(found[0], /"basic"/);
    assert.match(found[0], /retired on 2025-09-30/);
    assert.match(found[0], /Set networkProfile\.loadBalancerSku to "standard"/);
  });

  it("refuses an unset SKU", async () => {
    const found = await violations(aksLoadBalancerSku, cluster({ networkPolicy: "azure" }));
    assert.equal(found.length, 1);
    assert.match(found[0], /loadBalancerSku unset/);
  });
});
