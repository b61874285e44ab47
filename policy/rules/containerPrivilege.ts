/** No container runs privileged or may gain privileges: a compromised pod must stay a pod. */
import { containersOf, describeResource, isWorkloadType, path, podSpecOf, type Props } from "./kube";
import { resourceRule } from "./rule";

/** Violations of one Pod or workload. */
export function checkContainerPrivilege(type: string, props: Props, resourceName: string): string[] {
  const where = describeResource(type, props, resourceName);
  const messages: string[] = [];
  for (const { list, name, container } of containersOf(podSpecOf(type, props))) {
    const label = `${where}: ${list === "initContainers" ? "init container" : "container"} "${name}"`;
    if (path(container, "securityContext", "privileged") === true) {
      messages.push(`${label} is privileged (full access to the node). Remove securityContext.privileged or set it to false; grant single capabilities instead.`);
    }
    const added = path(container, "securityContext", "capabilities", "add");
    if (Array.isArray(added) && added.some((c) => typeof c === "string" && /^(CAP_)?SYS_ADMIN$/i.test(c))) {
      messages.push(`${label} adds the SYS_ADMIN capability, which is as good as privileged. Remove it from securityContext.capabilities.add.`);
    }
    // Unset means allowed: Kubernetes defaults allowPrivilegeEscalation to true.
    if (path(container, "securityContext", "allowPrivilegeEscalation") !== false) {
      messages.push(`${label} does not set securityContext.allowPrivilegeEscalation: false (unset means setuid binaries may gain privileges). Set it to false.`);
    }
  }
  return messages;
}

export const containerPrivilege = resourceRule({
  name: "container-no-privilege",
  description: "No container is privileged or adds SYS_ADMIN, and every container sets allowPrivilegeEscalation: false.",
  enforcementLevel: "mandatory",
  remediationSteps: "Set securityContext.allowPrivilegeEscalation: false, drop privileged: true and SYS_ADMIN.",
  appliesTo: isWorkloadType,
  check: checkContainerPrivilege,
});
