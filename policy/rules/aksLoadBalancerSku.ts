/** AKS must use the Standard load balancer: Basic was retired on 2025-09-30. */
import { isManagedClusterType, lowerEnum } from "./azure";
import { path, type Props } from "./kube";
import { resourceRule } from "./rule";

/** Violations of one ManagedCluster's props. Unset is refused too: say what you depend on. */
export function checkAksLoadBalancerSku(_type: string, props: Props, resourceName: string): string[] {
  const sku = lowerEnum(path(props, "networkProfile", "loadBalancerSku"));
  if (sku === "standard") return [];
  return [
    `AKS cluster ${resourceName} has networkProfile.loadBalancerSku ${sku === undefined ? "unset" : `"${sku}"`}: ` +
      `the Basic load balancer was retired on 2025-09-30 (the tutorial's --load-balancer-sku basic no longer works). ` +
      `Set networkProfile.loadBalancerSku to "standard" explicitly.`,
  ];
}

export const aksLoadBalancerSku = resourceRule({
  name: "aks-standard-load-balancer",
  description: "AKS clusters use the Standard load balancer SKU (Basic was retired on 2025-09-30).",
  enforcementLevel: "mandatory",
  remediationSteps: 'Set networkProfile.loadBalancerSku to "standard".',
  appliesTo: isManagedClusterType,
  check: checkAksLoadBalancerSku,
});
