/** Words for one connection's verdict, shared by the human-readable formats. */
import type { Connection, DirectionVerdict } from "../netpol";

/** "8080/TCP", the port notation every format uses. */
export function portText(port: number, protocol: string): string {
  return `${port}/${protocol}`;
}

/**
 * The policies that decided one direction: the admitting ones when it is allowed,
 * every isolating one when it is denied (each of them had to admit and none did),
 * none when no policy isolates the pod. Sorted, without repeats.
 */
export function decidingPolicies(d: DirectionVerdict): string[] {
  if (!d.isolated) return [];
  const ids = d.allowed ? d.allowedBy.map((a) => a.policy) : d.policies;
  return [...new Set(ids)].sort();
}

/** A policy id without its namespace: ingress policies live in the destination's namespace, egress ones in the source's. */
function shortName(policy: string): string {
  return policy.slice(policy.indexOf("/") + 1);
}

function admittedBy(d: DirectionVerdict): string {
  const rules = new Map<string, number[]>();
  for (const a of d.allowedBy) rules.set(a.policy, [...(rules.get(a.policy) ?? []), a.rule]);
  return [...rules]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([policy, idx]) => `${shortName(policy)} (rule ${idx.join(", ")})`)
    .join(", ");
}

/**
 * A short explanation of why a connection is allowed or denied, naming the policies that decided
 * it without their namespace (ingress policies are the destination's, egress ones the source's),
 * e.g. "ingress: none of default-deny-ingress, prices-api-network-policy admits it".
 */
export function explainConnection(c: Pick<Connection, "allowed" | "ingress" | "egress">): string {
  if (c.allowed) {
    const parts: string[] = [];
    if (c.egress.isolated) parts.push(`egress allowed by ${admittedBy(c.egress)}`);
    if (c.ingress.isolated) parts.push(`ingress allowed by ${admittedBy(c.ingress)}`);
    return parts.length > 0 ? parts.join("; ") : "no policy isolates either pod";
  }
  const parts: string[] = [];
  const noneOf = (d: DirectionVerdict) => decidingPolicies(d).map(shortName).join(", ");
  if (!c.egress.allowed) parts.push(`egress: none of ${noneOf(c.egress)} admits it`);
  if (!c.ingress.allowed) parts.push(`ingress: none of ${noneOf(c.ingress)} admits it`);
  return parts.join("; ");
}
