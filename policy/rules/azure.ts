/** Recognising the AKS cluster among Azure resources. Pure. */

// azure-native:containerservice:ManagedCluster, and the explicit API versions such as
// azure-native:containerservice/v20240901:ManagedCluster or .../v20250102preview:ManagedCluster.
const MANAGED_CLUSTER = /^azure-native:containerservice(\/v\d{8}(preview)?)?:ManagedCluster$/;

/** True for an AKS ManagedCluster of azure-native, whatever API version the program pins. */
export function isManagedClusterType(type: string): boolean {
  return MANAGED_CLUSTER.test(type);
}

/** A string enum value lower-cased (Azure accepts any case), or undefined when unset or not a string. */
export function lowerEnum(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value.toLowerCase() : undefined;
}
