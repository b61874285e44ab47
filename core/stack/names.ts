/** The tutorial's object names and labels. Its commands and DNS names depend on them, so they are fixed. */
export const PRICING_NAMESPACE = "pricing-ns";
export const PRICING_NAMESPACE_LABELS = { name: "pricing" } as const;
export const PRICES_API_LABELS = { app: "prices-api" } as const;
export const PRICES_API_DEPLOYMENT = "prices-api-deployment";
export const PRICES_API_CONTAINER = "prices-api";
export const PRICES_API_SERVICE = "prices-api-service";
export const PRICES_API_CONTAINER_PORT = 8080;
export const PRICES_API_PORT_NAME = "http";
export const PRICES_API_SERVICE_PORT = 80;
export const PRICES_API_POLICY = "prices-api-network-policy";
export const DEFAULT_DENY_POLICY = "default-deny-ingress";
/** Set by the API server on every namespace and not changeable, unlike labels users add. */
export { NAMESPACE_NAME_LABEL } from "../netpol/policy";

/** The AKS component of index.ts; its resource group is `<component>-rg`, which the reaper looks for in a state. */
export const AKS_COMPONENT_NAME = "policy-demo";
export const AKS_RESOURCE_GROUP_NAME = `${AKS_COMPONENT_NAME}-rg`;

/** The in-cluster URL the tutorial curls. */
export const PRICES_API_URL = `http://${PRICES_API_SERVICE}.${PRICING_NAMESPACE}.svc.cluster.local/price/1`;
