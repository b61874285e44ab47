/**
 * The stack's declared intent: who may call prices-api, and on which port. The intent gate
 * (core/intentGate.ts) proves the deployed policies grant exactly this, no more and no less.
 */
import type { AllowedCaller, StackConfig } from "./config";
import type { Labels, Protocol } from "./netpol/types";
import { PRICES_API_CONTAINER_PORT, PRICES_API_DEPLOYMENT, PRICES_API_LABELS, PRICES_API_SERVICE, PRICING_NAMESPACE } from "./stack/names";

export interface AccessIntent {
  /** The protected workload. */
  target: { namespace: string; podLabels: Labels; workload: string; service: string };
  /** The container port callers reach (the Service's targetPort). */
  port: number;
  protocol: Protocol;
  /** Exactly these callers may reach the target; everyone else must be refused. */
  allowedCallers: AllowedCaller[];
}

export function stackIntent(config: Pick<StackConfig, "allowedCallers">): AccessIntent {
  return {
    target: { namespace: PRICING_NAMESPACE, podLabels: { ...PRICES_API_LABELS }, workload: PRICES_API_DEPLOYMENT, service: PRICES_API_SERVICE },
    port: PRICES_API_CONTAINER_PORT,
    protocol: "TCP",
    allowedCallers: config.allowedCallers.map((c) => ({ ...c })),
  };
}
