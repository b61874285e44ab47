/**
 * What a stack's state says its destroy would delete, and which of its Azure resources lie outside
 * the stack's own resource group. Pure: the reaper hands in `pulumi stack export`'s resources.
 *
 * Whoever can write a checkpoint can plant any resource id in it (another team's resource group),
 * and `pulumi destroy` deletes what the state names. The reaper therefore refuses a stack whose
 * Azure resources are not all inside the one resource group the program creates.
 */
import { AKS_RESOURCE_GROUP_NAME } from "./stack/names";

/** One resource of `pulumi stack export`, the fields the reaper reads. */
export interface StateResource {
  urn: string;
  type: string;
  id?: string;
  protect?: boolean;
}

/** The logical name at the end of a URN (`...::policy-demo-rg`). */
export const urnName = (urn: string): string => urn.slice(urn.lastIndexOf("::") + 2);

const isProvider = (type: string) => type.startsWith("pulumi:providers:");
/** The stack itself and reads of other stacks: nothing a destroy deletes outside the state. */
const isPulumiInternal = (type: string) => type.startsWith("pulumi:pulumi:");
const isAzure = (type: string) => /^azure(-native)?:/.test(type);
const RESOURCE_GROUP_TYPE = /^azure-native:resources(\/v[\w-]+)?:ResourceGroup$/;
const RESOURCE_GROUP_ID = /^\/subscriptions\/[^/]+\/resourceGroups\/([^/]+)$/i;

/**
 * What a destroy deletes, in state order: every custom resource except the stack, stack reads and
 * providers (components have no id). Named by their id, which for Azure is the full resource id
 * and for Kubernetes `namespace/name`, so the line says exactly which object goes.
 */
export function destroyedResources(resources: readonly StateResource[]): Array<{ type: string; name: string }> {
  return resources
    .filter((r) => !isProvider(r.type) && !isPulumiInternal(r.type) && (r.id !== undefined || isAzure(r.type)))
    .map((r) => ({ type: r.type, name: r.id ?? urnName(r.urn) }));
}

/**
 * The Azure resources outside the stack's own resource group, one line each ("<type> <id>"). Its
 * own group is the ResourceGroup the program creates (logical name `policy-demo-rg`), named by a
 * plain resource-group id, and, when the stack file sets `resourceGroupName`, of that name; every
 * other Azure resource's id must lie inside it. None when the state holds no Azure resource.
 */
export function foreignAzureResources(resources: readonly StateResource[], expectedGroupName?: string): string[] {
  const azure = resources.filter((r) => isAzure(r.type) && !isProvider(r.type));
  if (azure.length === 0) return [];
  const own = azure.find((r) => RESOURCE_GROUP_TYPE.test(r.type) && urnName(r.urn) === AKS_RESOURCE_GROUP_NAME);
  const ownName = own?.id ? RESOURCE_GROUP_ID.exec(own.id)?.[1] : undefined;
  const ownIsValid = ownName !== undefined && (expectedGroupName === undefined || ownName.toLowerCase() === expectedGroupName.toLowerCase());
  const foreign: string[] = [];
  for (const r of azure) {
    if (r.id === undefined) {
      foreign.push(`${r.type} ${urnName(r.urn)} (no id in the state)`);
    } else if (r === own) {
      if (!ownIsValid) foreign.push(`${r.type} ${r.id}${ownName !== undefined && expectedGroupName !== undefined ? ` (the stack file names resourceGroupName ${expectedGroupName})` : ""}`);
    } else if (!ownIsValid || !r.id.toLowerCase().startsWith(`${own!.id!.toLowerCase()}/`)) {
      foreign.push(`${r.type} ${r.id}`);
    }
  }
  return foreign;
}
