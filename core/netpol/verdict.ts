import { describePort } from "./ports";
import type { Protocol } from "./types";

/** The outcome for one direction (egress from the source, or ingress to the destination). */
export interface DirectionVerdict {
  allowed: boolean;
  /** Some policy of the pod's namespace selects it with this direction in its policyTypes. */
  isolated: boolean;
  /** "ns/name" of every policy selecting the pod for this direction. */
  policies: string[];
  /** Rules admitting the connection; `rule` is the 0-based index in spec.ingress / spec.egress. */
  allowedBy: Array<{ policy: string; rule: number }>;
}

/** Outcome of a connection: allowed only when egress AND ingress are. */
export interface Verdict {
  allowed: boolean;
  ingress: DirectionVerdict;
  egress: DirectionVerdict;
  /** One human sentence explaining the outcome. */
  reason: string;
}

/** Shared by every non-isolated direction; frozen because it is handed out many times. */
export const NOT_ISOLATED: DirectionVerdict = Object.freeze({
  allowed: true,
  isolated: false,
  policies: Object.freeze([]) as unknown as string[],
  allowedBy: Object.freeze([]) as unknown as Array<{ policy: string; rule: number }>,
}) as DirectionVerdict;

function directionText(
  subject: string,
  d: DirectionVerdict,
  peer: string,
  portText: string,
  kind: "ingress" | "egress",
): string {
  if (!d.isolated) return `${subject} is not isolated`;
  if (d.allowed) {
    const by = d.allowedBy.map((a) => `${a.policy} (${kind} rule ${a.rule})`).join(", ");
    return `${subject} is admitted by ${by}`;
  }
  return `${subject} is isolated by ${d.policies.join(", ")} and no rule admits ${peer} on ${portText}`;
}

/**
 * The one-sentence explanation of a verdict, e.g. "denied: ingress to a/b is
 * isolated by a/deny and no rule admits c/d on TCP/8080".
 */
export function formatReason(
  from: string,
  to: string,
  egress: DirectionVerdict,
  ingress: DirectionVerdict,
  port: number,
  protocol: Protocol,
  portName?: string,
): string {
  const portText = describePort(port, protocol, portName);
  const e = directionText(`egress from ${from}`, egress, to, portText, "egress");
  const i = directionText(`ingress to ${to}`, ingress, from, portText, "ingress");
  if (egress.allowed && ingress.allowed) return `allowed on ${portText}: ${e}; ${i}`;
  const denied: string[] = [];
  if (!egress.allowed) denied.push(e);
  if (!ingress.allowed) denied.push(i);
  return `denied: ${denied.join("; ")}`;
}
