/**
 * Who may do what on an AKS cluster with Entra ID and Azure RBAC, as plain data, and the bounded
 * wait for a new role assignment to reach the cluster. Pure: the component creates the assignments
 * and runs the wait with a real clock and a real API server.
 */
import type { StackConfig } from "../config";

/**
 * Built-in Azure roles (ids from Microsoft's "Azure built-in roles for Containers").
 * - RBAC Cluster Admin: every Kubernetes object, namespaces included; the stack creates namespaces,
 *   and RBAC Admin and RBAC Writer may not create or delete them.
 * - RBAC Reader: read-only, no Secrets, no roles; its data actions include
 *   `managedClusters/namespaces/read` (cluster-scoped) next to deployments, services and
 *   networkpolicies, which is what a preview reads; at cluster scope it covers every namespace.
 */
export const AKS_ROLES = {
  rbacClusterAdmin: { name: "Azure Kubernetes Service RBAC Cluster Admin", id: "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b" },
  rbacReader: { name: "Azure Kubernetes Service RBAC Reader", id: "7f6c6a51-bcf8-42ba-9220-52d62157d7db" },
} as const;

/** One role assignment the stack creates on its cluster. */
export interface ClusterRoleAssignment {
  /** Suffix of the resource's logical name: `<component>-<key>`. */
  key: "deployer-cluster-admin" | "preview-reader";
  role: (typeof AKS_ROLES)[keyof typeof AKS_ROLES];
  /** Entra object id; undefined means the identity that runs `pulumi up` (azure-native getClientConfig). */
  principalId?: string;
  description: string;
}

/**
 * The role assignments on the cluster: none for a local-accounts cluster (it has no Azure RBAC);
 * otherwise Cluster Admin for the deploying identity and, when configured, Reader for the preview one.
 */
export function clusterRoleAssignments(config: Pick<StackConfig, "localAccounts" | "deployerPrincipalId" | "previewPrincipalId">): ClusterRoleAssignment[] {
  if (config.localAccounts) return [];
  return [
    {
      key: "deployer-cluster-admin",
      role: AKS_ROLES.rbacClusterAdmin,
      ...(config.deployerPrincipalId ? { principalId: config.deployerPrincipalId } : {}),
      description: "prices-api-netpol: the identity that deploys this stack creates its namespaces, workloads and NetworkPolicies",
    },
    ...(config.previewPrincipalId
      ? [
          {
            key: "preview-reader" as const,
            role: AKS_ROLES.rbacReader,
            principalId: config.previewPrincipalId,
            description: "prices-api-netpol: pull-request previews read the cluster (namespaces, workloads, NetworkPolicies), never write",
          },
        ]
      : []),
  ];
}

/** The full id of a built-in role definition, as a role assignment takes it. */
export function roleDefinitionId(subscriptionId: string, roleId: string): string {
  return `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${roleId}`;
}

/**
 * Microsoft: "New role assignments can take up to five minutes to propagate and be updated by the
 * authorization server." The first `up` waits for the deployer's assignment, twice that at most,
 * asking the cluster itself every few seconds, before any Kubernetes object is created.
 */
export const ACCESS_WAIT_TIMEOUT_SECONDS = 600;
export const ACCESS_WAIT_INTERVAL_SECONDS = 10;

/** What the wait asks the API server: may I create namespaces, the first object the stack creates? */
export const ACCESS_REVIEW = { verb: "create", group: "", resource: "namespaces" } as const;

export function accessReviewBody(): Record<string, unknown> {
  return { apiVersion: "authorization.k8s.io/v1", kind: "SelfSubjectAccessReview", spec: { resourceAttributes: { ...ACCESS_REVIEW } } };
}

/** One answer of the cluster: allowed, or why not yet. */
export interface AccessAnswer {
  allowed: boolean;
  reason: string;
}

/** Reads the API server's answer to accessReviewBody(): its HTTP status and JSON body. */
export function accessAnswer(status: number, body: unknown): AccessAnswer {
  const review = (body ?? {}) as { status?: { allowed?: unknown; reason?: unknown; denied?: unknown }; message?: unknown };
  if (status === 201 || status === 200) {
    if (review.status?.allowed === true) return { allowed: true, reason: "allowed" };
    const why = typeof review.status?.reason === "string" && review.status.reason !== "" ? review.status.reason : "no rule allows it yet";
    return { allowed: false, reason: `not allowed to create namespaces: ${why}` };
  }
  const message = typeof review.message === "string" ? `: ${review.message.slice(0, 200)}` : "";
  return { allowed: false, reason: `HTTP ${status}${message}` };
}

export interface WaitClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/**
 * The error of a wait that gave up: who waited for what, for how long, and the cluster's last answer.
 * A plain Error, not a subclass: the dynamic provider's serializer turns classes into functions,
 * and a serialized `extends Error` loses its message.
 */
export function accessWaitTimeout(lastReason: string, seconds: number, who: string): Error {
  const error = new Error(
    `${who} still may not create namespaces on the cluster after ${seconds}s (last answer: ${lastReason}). ` +
      "Azure role assignments can take minutes to reach AKS; check the assignment with `az role assignment list --scope <cluster id>`, then run `pulumi up` again",
  );
  error.name = "AccessWaitTimeout";
  return error;
}

/**
 * Asks `check` until it answers allowed, at most every `intervalMs`, for at most `timeoutMs`. A
 * thrown error (no token yet, a connection reset) counts as "not yet". Returns the number of questions.
 */
export async function waitForAccess(
  check: () => Promise<AccessAnswer>,
  options: { timeoutMs: number; intervalMs: number; clock: WaitClock; who: string; progress?: (line: string) => void },
): Promise<number> {
  const deadline = options.clock.now() + options.timeoutMs;
  for (let attempt = 1; ; attempt++) {
    let answer: AccessAnswer;
    try {
      answer = await check();
    } catch (err) {
      answer = { allowed: false, reason: (err instanceof Error ? err.message : String(err)).split("\n")[0] };
    }
    if (answer.allowed) return attempt;
    if (options.clock.now() + options.intervalMs > deadline) throw accessWaitTimeout(answer.reason, Math.round(options.timeoutMs / 1000), options.who);
    options.progress?.(`waiting for the role assignment to reach the cluster (${answer.reason})`);
    await options.clock.sleep(options.intervalMs);
  }
}
