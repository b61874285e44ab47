/** Every Kubernetes object the stack deploys, in apply order. The components and the CLI tools share it. */
import type { StackConfig } from "../config";
import type { KubeObject } from "../netpol/types";
import { accessPolicyObjects } from "./accessPolicy";
import { pricesApiObjects } from "./pricesApi";

export * from "./names";
export { pricesApiObjects } from "./pricesApi";
export { accessPolicyObjects, callerPeer } from "./accessPolicy";

export function stackObjects(config: Pick<StackConfig, "pricesApiImage" | "allowedCallers">): KubeObject[] {
  const api = pricesApiObjects(config.pricesApiImage);
  const access = accessPolicyObjects(config.allowedCallers);
  return [api.namespace, api.deployment, api.service, ...access.callerNamespaces, access.defaultDeny, access.pricesApiPolicy];
}
