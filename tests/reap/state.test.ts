import { strict as assert } from "node:assert";
import { passphraseFor } from "../../core/reapPassphrase";
import { destroyedResources, foreignAzureResources, type StateResource } from "../../core/reapState";
import { aksState, SUBSCRIPTION } from "./stateFixtures";

const planted = (stack: string, id: string): StateResource => ({
  urn: `urn:pulumi:${stack}::prices-api-netpol::azure-native:resources:ResourceGroup::their-rg`,
  type: "azure-native:resources:ResourceGroup",
  id,
});

describe("reap: what the state says a destroy would delete", () => {
  it("lists every resource a destroy deletes, by type and its physical name or id: not the stack, providers, components or stack reads", () => {
    assert.deepEqual(destroyedResources(aksState("demo")), [
      { type: "azure-native:resources:ResourceGroup", name: `${SUBSCRIPTION}/resourceGroups/policy-demo-rg1a2b3c4d` },
      { type: "azure-native:containerservice:ManagedCluster", name: `${SUBSCRIPTION}/resourceGroups/policy-demo-rg1a2b3c4d/providers/Microsoft.ContainerService/managedClusters/policy-demo5e6f7a8b` },
      {
        type: "azure-native:authorization:RoleAssignment",
        name: `${SUBSCRIPTION}/resourceGroups/policy-demo-rg1a2b3c4d/providers/Microsoft.ContainerService/managedClusters/policy-demo5e6f7a8b/providers/Microsoft.Authorization/roleAssignments/6f1e2d3c-0000-4000-8000-000000000001`,
      },
      { type: "kubernetes:core/v1:Namespace", name: "pricing-ns" },
      { type: "kubernetes:apps/v1:Deployment", name: "pricing-ns/prices-api-deployment" },
    ]);
  });

  it("finds nothing foreign in a stack whose Azure resources all live in its own resource group (and none in a stack without Azure)", () => {
    assert.deepEqual(foreignAzureResources(aksState("demo")), []);
    assert.deepEqual(foreignAzureResources(aksState("demo").filter((r) => !r.type.startsWith("azure-native:"))), []);
  });

  it("names a planted resource outside the stack's resource group, such as another team's group", () => {
    const state = [...aksState("demo"), planted("demo", `${SUBSCRIPTION}/resourceGroups/other-team-rg`)];
    assert.deepEqual(foreignAzureResources(state), [`azure-native:resources:ResourceGroup ${SUBSCRIPTION}/resourceGroups/other-team-rg`]);
  });

  it("names everything outside when the stack's own group is rewritten to another id, and a group of another name than the stack file's", () => {
    const rewritten = aksState("demo").map((r) => (r.type === "azure-native:resources:ResourceGroup" ? { ...r, id: `${SUBSCRIPTION}/resourceGroups/other-team-rg` } : r));
    assert.deepEqual(
      foreignAzureResources(rewritten).map((f) => f.split(" ")[0]),
      ["azure-native:containerservice:ManagedCluster", "azure-native:authorization:RoleAssignment"],
    );
    // Consistently rewritten (every id moved to the other group): only the stack file's name can tell.
    const moved = aksState("demo", "other-team-rg");
    assert.deepEqual(foreignAzureResources(moved), []);
    const named = foreignAzureResources(moved, "demo-rg");
    assert.deepEqual(named[0], `azure-native:resources:ResourceGroup ${SUBSCRIPTION}/resourceGroups/other-team-rg (the stack file names resourceGroupName demo-rg)`);
    assert.deepEqual(named.slice(1).map((f) => f.split(" ")[0]), ["azure-native:containerservice:ManagedCluster", "azure-native:authorization:RoleAssignment"], "and all that lies in it");
    assert.deepEqual(foreignAzureResources(aksState("demo", "demo-rg"), "demo-rg"), []);
  });

  it("counts an Azure resource without an id, or with no group of the stack's own, as outside", () => {
    const withoutGroup = aksState("demo").filter((r) => r.type !== "azure-native:resources:ResourceGroup");
    assert.equal(foreignAzureResources(withoutGroup).length, 2);
    const noId = aksState("demo").map((r) => (r.type.endsWith(":ManagedCluster") ? { ...r, id: undefined } : r));
    assert.deepEqual(foreignAzureResources(noId), ["azure-native:containerservice:ManagedCluster policy-demo (no id in the state)"]);
  });
});

describe("reap: a passphrase per stack", () => {
  it("takes PULUMI_CONFIG_PASSPHRASE_<STACK>, then REAP_PASSPHRASES' entry, then PULUMI_CONFIG_PASSPHRASE", () => {
    const env = { PULUMI_CONFIG_PASSPHRASE_DEMO_ALICE: "a", REAP_PASSPHRASES: '{"dev":"d","demo-alice":"x"}', PULUMI_CONFIG_PASSPHRASE: "shared" };
    assert.deepEqual(passphraseFor("demo-alice", env), { passphrase: "a", source: "PULUMI_CONFIG_PASSPHRASE_DEMO_ALICE" });
    assert.deepEqual(passphraseFor("dev", env), { passphrase: "d", source: 'REAP_PASSPHRASES["dev"]' });
    assert.deepEqual(passphraseFor("other", env), { passphrase: "shared", source: "PULUMI_CONFIG_PASSPHRASE" });
    assert.deepEqual(passphraseFor("other", {}), { source: "none: set PULUMI_CONFIG_PASSPHRASE_OTHER or REAP_PASSPHRASES[\"other\"]" });
  });

  it("refuses a REAP_PASSPHRASES that is not a JSON object of strings, without printing it", () => {
    for (const bad of ["dev=secret", '["secret"]', '{"dev": 1}']) {
      assert.throws(() => passphraseFor("dev", { REAP_PASSPHRASES: bad }), (err: Error) => /^REAP_PASSPHRASES is not a JSON object of stack name to passphrase/.test(err.message) && !err.message.includes("secret"));
    }
  });
});
