/** AKS must run a network policy engine, or every NetworkPolicy of the stack is silently ignored. */
import { isManagedClusterType, lowerEnum } from "./azure";
import { path, type Props } from "./kube";
import { resourceRule } from "./rule";

const ENGINES = ["azure", "calico", "cilium"];

/** Violations of one ManagedCluster's props. */
export function checkAksNetworkPolicy(_type: string, props: Props, resourceName: string): string[] {
  const engine = lowerEnum(path(props, "networkProfile", "networkPolicy"));
  const dataplane = lowerEnum(path(props, "networkProfile", "networkDataplane"));
  if (engine === undefined || engine === "none") {
    return [
      `AKS cluster ${resourceName} has networkProfile.networkPolicy ${engine ?? "unset"}: NetworkPolicies would be accepted and never enforced. ` +
        `Set networkProfile.networkPolicy to "azure" or "calico" (with networkPlugin "azure"), or "cilium" with networkDataplane "cilium" ` +
        `(config: pulumi config set networkPolicy azure). The engine cannot be added to an existing cluster without recreating or updating it.`,
    ];
  }
  if (!ENGINES.includes(engine)) {
    return [`AKS cluster ${resourceName} has networkProfile.networkPolicy "${engine}"; use one of ${ENGINES.join(", ")}.`];
  }
  if (engine === "cilium" && dataplane !== "cilium") {
    return [
      `AKS cluster ${resourceName} uses networkPolicy "cilium" with networkDataplane ${dataplane ?? "unset"}: AKS enforces Cilium policies only on the Cilium dataplane. ` +
        `Set networkProfile.networkDataplane to "cilium" (with networkPlugin "azure" and networkPluginMode "overlay"), or choose networkPolicy "azure" or "calico".`,
    ];
  }
  return [];
}

export const aksNetworkPolicy = resourceRule({
  name: "aks-network-policy-engine",
  description: "AKS clusters run a network policy engine (azure, calico, or cilium on the Cilium dataplane).",
  enforcementLevel: "mandatory",
  remediationSteps: "Set networkProfile.networkPolicy to azure, calico or cilium; cilium also needs networkProfile.networkDataplane cilium.",
  appliesTo: isManagedClusterType,
  check: checkAksNetworkPolicy,
});
