/**
 * Is prices-api up? Asked before any probe, because a down API blocks every caller exactly like
 * a deny-all policy would, and the report must not blame the policy for it. Pure.
 */
import type { ApiStatus } from "./client";

/** The reason prices-api cannot answer, or undefined when it can. */
export function apiNotReadyReason(status: ApiStatus, where: { namespace: string; deployment: string; service: string }): string | undefined {
  const { deployment } = status;
  if (!deployment) return `Deployment ${where.namespace}/${where.deployment} not found; is the stack deployed to this cluster?`;
  if (deployment.availableReplicas < 1) {
    return `Deployment ${where.namespace}/${where.deployment} has ${deployment.availableReplicas}/${deployment.desiredReplicas} replicas available`;
  }
  if (!status.serviceExists) return `Service ${where.namespace}/${where.service} not found`;
  if (status.readyEndpoints < 1) return `Service ${where.namespace}/${where.service} has no ready endpoints`;
  return undefined;
}

/** The one-line message verify prints (and exits 1 on) when the API is not ready. */
export function notReadyMessage(reason: string): string {
  return `prices-api is not ready (${reason}). No probe was run: a down API would look like a blocking policy.`;
}
