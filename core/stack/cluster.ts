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

/** What a preview should tell the user about this cluster's settings, one line each. */
export function clusterWarnings(config: Pick<StackConfig, "networkPolicy">): string[] {
  return config.networkPolicy === "azure" ? [AZURE_NPM_RETIREMENT_WARNING] : [];
}
