/**
 * The AKS cluster as plain data (the ManagedCluster arguments that do not depend on other
 * resources). Pure, so tests and the policy pack can read it without Pulumi.
 */
import type { StackConfig } from "../config";

/** AKS-managed pod CIDR for overlay mode (Cilium needs overlay); outside Azure's default VNet range. */
export const OVERLAY_POD_CIDR = "192.168.0.0/16";
export const SYSTEM_POOL_NAME = "system";

export interface ManagedClusterSpec {
  dnsPrefix: string;
  kubernetesVersion?: string;
  enableRBAC: true;
  /** Entra ID sign-in, with Azure RBAC deciding what each identity may do in Kubernetes; absent with local accounts. */
  aadProfile?: { managed: true; enableAzureRBAC: true };
  /** No shared admin or user certificate: every credential is an Entra token (the AKS baseline's setting). */
  disableLocalAccounts: boolean;
  identity: { type: "SystemAssigned" };
  agentPoolProfiles: Array<{
    name: string;
    mode: "System";
    count: number;
    vmSize: string;
    osDiskSizeGB: number;
    osType: "Linux";
    type: "VirtualMachineScaleSets";
  }>;
  networkProfile: {
    networkPlugin: "azure";
    networkPolicy: StackConfig["networkPolicy"];
    networkDataplane?: "cilium";
    networkPluginMode?: "overlay";
    podCidr?: string;
    /** The tutorial's `basic` SKU was retired on 2025-09-30; AKS refuses it although the enum still lists it. */
    loadBalancerSku: "standard";
  };
}

export function managedClusterSpec(config: StackConfig): ManagedClusterSpec {
  const cilium = config.networkPolicy === "cilium";
  return {
    dnsPrefix: config.dnsPrefix,
    ...(config.kubernetesVersion ? { kubernetesVersion: config.kubernetesVersion } : {}),
    enableRBAC: true,
    // Without Entra ID, AKS's cluster-user credential is as good as its admin credential, and
    // whoever may list it (AKS Cluster User Role) is cluster-admin. AKS baseline: Entra ID + Azure RBAC.
    ...(config.localAccounts ? {} : { aadProfile: { managed: true, enableAzureRBAC: true } }),
    disableLocalAccounts: !config.localAccounts,
    identity: { type: "SystemAssigned" },
    agentPoolProfiles: [
      {
        name: SYSTEM_POOL_NAME,
        mode: "System",
        count: config.nodeCount,
        vmSize: config.nodeVmSize,
        osDiskSizeGB: config.nodeOsDiskSizeGb,
        osType: "Linux",
        type: "VirtualMachineScaleSets",
      },
    ],
    networkProfile: {
      networkPlugin: "azure",
      networkPolicy: config.networkPolicy,
      // Azure CNI powered by Cilium enforces policy in its own dataplane and requires overlay mode.
      ...(cilium ? { networkDataplane: "cilium", networkPluginMode: "overlay", podCidr: OVERLAY_POD_CIDR } : {}),
      loadBalancerSku: "standard",
    },
  };
}

/** Azure tags for the resource group; `expiresAt` lets the reaper find forgotten demos. */
export function resourceGroupTags(config: Pick<StackConfig, "expiresAt">, stack: string, project: string): Record<string, string> {
  return {
    "pulumi-project": project,
    "pulumi-stack": stack,
    ...(config.expiresAt ? { expiresAt: config.expiresAt } : {}),
  };
}

/**
 * One line a preview prints for a cluster with Azure Network Policy Manager, which Microsoft is
 * retiring on Linux nodes. `azure` stays the default, because the tutorial asks for it.
 */
export const AZURE_NPM_RETIREMENT_WARNING =
  "networkPolicy azure is Azure Network Policy Manager, whose support on Linux nodes Microsoft has announced will end (its pages give 2026-09-30 and 2028-09-30); " +
  "the migration path is networkPolicy cilium (Azure CNI powered by Cilium), which replaces the cluster.";

/** The line every preview of a `localAccounts: true` stack prints. */
export const LOCAL_ACCOUNTS_WARNING =
  "localAccounts is true: this cluster has no Entra ID and keeps local accounts, so its cluster-user credential works like the admin one, " +
  "and anyone who may list it (Azure Kubernetes Service Cluster User Role) is cluster-admin; use it only for a throw-away demo " +
  "(pulumi config rm localAccounts turns Entra ID on, which AKS cannot undo).";

/** What a preview should tell the user about this cluster's settings, one line each. */
export function clusterWarnings(config: Pick<StackConfig, "networkPolicy" | "localAccounts">): string[] {
  return [...(config.networkPolicy === "azure" ? [AZURE_NPM_RETIREMENT_WARNING] : []), ...(config.localAccounts ? [LOCAL_ACCOUNTS_WARNING] : [])];
}

/** The settings whose change AKS cannot apply to a live cluster; exported so the next preview can compare. */
export interface ClusterSettings {
  networkPolicy: string;
  dnsPrefix: string;
  nodeVmSize: string;
  nodeOsDiskSizeGb: number;
}

export function clusterSettings(config: Pick<StackConfig, "networkPolicy" | "dnsPrefix" | "nodeVmSize" | "nodeOsDiskSizeGb">): ClusterSettings {
  return { networkPolicy: config.networkPolicy, dnsPrefix: config.dnsPrefix, nodeVmSize: config.nodeVmSize, nodeOsDiskSizeGb: config.nodeOsDiskSizeGb };
}

const REPLACES_CLUSTER: ReadonlyArray<keyof ClusterSettings> = ["networkPolicy", "dnsPrefix"];
const REJECTED_IN_PLACE: ReadonlyArray<keyof ClusterSettings> = ["nodeVmSize", "nodeOsDiskSizeGb"];

/**
 * Warnings for a config change that a live cluster cannot take quietly, comparing the settings the
 * last deployment exported with the ones about to be applied. `previous` is whatever the stack's
 * outputs hold (nothing on a first deployment), so it is read defensively.
 */
export function replacementWarnings(previous: unknown, current: ClusterSettings): string[] {
  if (previous === null || typeof previous !== "object") return [];
  const before = previous as Partial<Record<keyof ClusterSettings, unknown>>;
  const changed = (k: keyof ClusterSettings) => before[k] !== undefined && before[k] !== current[k];
  const what = (k: keyof ClusterSettings) => `${k} ${JSON.stringify(before[k])} -> ${JSON.stringify(current[k])}`;
  const warnings: string[] = [];
  const replaced = REPLACES_CLUSTER.filter(changed);
  if (replaced.length > 0) {
    warnings.push(`${replaced.map(what).join(", ")}: this replaces the AKS cluster (a new cluster, every Kubernetes object recreated, a new kubeconfig)`);
  }
  const rejected = REJECTED_IN_PLACE.filter(changed);
  if (rejected.length > 0) {
    warnings.push(`${rejected.map(what).join(", ")}: AKS rejects this change on a live cluster's system pool; the update will fail unless the cluster is recreated`);
  }
  return warnings;
}
