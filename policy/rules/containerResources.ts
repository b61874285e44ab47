/** Every container declares cpu and memory requests and limits, so one pod cannot starve a node. */
import { containersOf, describeResource, isWorkloadType, path, podSpecOf, type Props } from "./kube";
import { resourceRule } from "./rule";

const REQUIRED: Array<["requests" | "limits", "cpu" | "memory"]> = [
  ["requests", "cpu"],
  ["requests", "memory"],
  ["limits", "cpu"],
  ["limits", "memory"],
];

function isSet(value: unknown): boolean {
  return (typeof value === "string" && value.trim() !== "") || typeof value === "number";
}

/** Violations of one Pod or workload: one message per container naming every missing value. */
export function checkContainerResources(type: string, props: Props, resourceName: string): string[] {
  const where = describeResource(type, props, resourceName);
  const messages: string[] = [];
  for (const { list, name, container } of containersOf(podSpecOf(type, props))) {
    const missing = REQUIRED.filter(([kind, resource]) => !isSet(path(container, "resources", kind, resource))).map(
      ([kind, resource]) => `${kind}.${resource}`,
    );
    if (missing.length === 0) continue;
    messages.push(
      `${where}: ${list === "initContainers" ? "init container" : "container"} "${name}" has no resources.${missing.join(", resources.")}. ` +
        `Set resources.requests and resources.limits for both cpu and memory, for example ` +
        `resources: {requests: {cpu: "250m", memory: "64Mi"}, limits: {cpu: "500m", memory: "128Mi"}}.`,
    );
  }
  return messages;
}

export const containerResources = resourceRule({
  name: "container-resources",
  description: "Every container and init container of Pods and workloads sets cpu and memory requests and limits.",
  enforcementLevel: "mandatory",
  remediationSteps: "Set resources.requests.{cpu,memory} and resources.limits.{cpu,memory} on every container.",
  appliesTo: isWorkloadType,
  check: checkContainerResources,
});
