/** No Service opens the cluster to outside traffic unless it says so on itself. */
import { annotationOf, describeResource, isKubeKind, path, type Props } from "./kube";
import { resourceRule } from "./rule";

/** Set to "true" on a Service to allow type LoadBalancer or NodePort. */
export const ALLOW_EXTERNAL_ANNOTATION = "guardrails.prices-api/allow-external";

const EXTERNAL_TYPES = ["LoadBalancer", "NodePort"];

/** Violations of one Service's props. */
export function checkServiceExposure(type: string, props: Props, resourceName: string): string[] {
  const serviceType = path(props, "spec", "type");
  if (typeof serviceType !== "string" || !EXTERNAL_TYPES.includes(serviceType)) return [];
  if (annotationOf(props, ALLOW_EXTERNAL_ANNOTATION) === "true") return [];
  return [
    `${describeResource(type, props, resourceName)} has type ${serviceType}, which exposes it outside the cluster ` +
      `(NetworkPolicies do not protect it from the internet the way they do from pods). ` +
      `Use type ClusterIP (and an Ingress or Gateway if it must be public), or, if the exposure is intended, ` +
      `add the annotation ${ALLOW_EXTERNAL_ANNOTATION}: "true" to this Service.`,
  ];
}

export const serviceExposure = resourceRule({
  name: "no-external-service",
  description: `Services are not of type LoadBalancer or NodePort unless annotated ${ALLOW_EXTERNAL_ANNOTATION}: "true".`,
  enforcementLevel: "mandatory",
  remediationSteps: `Use type ClusterIP, or annotate the Service with ${ALLOW_EXTERNAL_ANNOTATION}: "true".`,
  appliesTo: (type) => isKubeKind(type, "core", "Service"),
  check: checkServiceExposure,
});
