/** States as `pulumi stack export` holds them, for the reaper's tests. */
import type { StateResource } from "../../core/reapState";

export const SUBSCRIPTION = "/subscriptions/00000000-0000-0000-0000-000000000001";

/** The state of a deployed AKS stack, as `pulumi stack export` lists it (the fields the reaper reads). */
export function aksState(stack: string, groupName = "policy-demo-rg1a2b3c4d"): StateResource[] {
  const group = `${SUBSCRIPTION}/resourceGroups/${groupName}`;
  const cluster = `${group}/providers/Microsoft.ContainerService/managedClusters/policy-demo5e6f7a8b`;
  const urn = (chain: string, name: string) => `urn:pulumi:${stack}::prices-api-netpol::${chain}::${name}`;
  return [
    { urn: urn("pulumi:pulumi:Stack", `prices-api-netpol-${stack}`), type: "pulumi:pulumi:Stack" },
    { urn: urn("pulumi:providers:azure-native", "default_3_28_0"), type: "pulumi:providers:azure-native", id: "f1d2" },
    { urn: urn("pricesapi:index:AksCluster", "policy-demo"), type: "pricesapi:index:AksCluster" },
    { urn: urn("pricesapi:index:AksCluster$azure-native:resources:ResourceGroup", "policy-demo-rg"), type: "azure-native:resources:ResourceGroup", id: group },
    { urn: urn("pricesapi:index:AksCluster$azure-native:containerservice:ManagedCluster", "policy-demo"), type: "azure-native:containerservice:ManagedCluster", id: cluster },
    {
      urn: urn("pricesapi:index:AksCluster$azure-native:authorization:RoleAssignment", "policy-demo-deployer-cluster-admin"),
      type: "azure-native:authorization:RoleAssignment",
      id: `${cluster}/providers/Microsoft.Authorization/roleAssignments/6f1e2d3c-0000-4000-8000-000000000001`,
    },
    { urn: urn("pricesapi:index:AksCluster$pulumi:pulumi:StackReference", "policy-demo-last-deployment"), type: "pulumi:pulumi:StackReference", id: `organization/prices-api-netpol/${stack}` },
    { urn: urn("pricesapi:index:AksCluster$pulumi:providers:kubernetes", "policy-demo-k8s"), type: "pulumi:providers:kubernetes", id: "a9b8" },
    { urn: urn("pricesapi:index:PricesApi$kubernetes:core/v1:Namespace", "prices-api-pricing-ns"), type: "kubernetes:core/v1:Namespace", id: "pricing-ns" },
    { urn: urn("pricesapi:index:PricesApi$kubernetes:apps/v1:Deployment", "prices-api-prices-api-deployment"), type: "kubernetes:apps/v1:Deployment", id: "pricing-ns/prices-api-deployment" },
  ];
}

