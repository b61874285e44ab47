/** The prices-api workload as plain Kubernetes objects: namespace, Deployment, ClusterIP Service. */
import type { KubeObject } from "../netpol/types";
import {
  PRICES_API_CONTAINER,
  PRICES_API_CONTAINER_PORT,
  PRICES_API_DEPLOYMENT,
  PRICES_API_LABELS,
  PRICES_API_PORT_NAME,
  PRICES_API_SERVICE,
  PRICES_API_SERVICE_PORT,
  PRICING_NAMESPACE,
  PRICING_NAMESPACE_LABELS,
} from "./names";

export interface PricesApiObjects {
  namespace: KubeObject;
  deployment: KubeObject;
  service: KubeObject;
}

export function pricesApiObjects(image: string): PricesApiObjects {
  const namespace: KubeObject = {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: PRICING_NAMESPACE, labels: { ...PRICING_NAMESPACE_LABELS } },
  };
  const probe = { tcpSocket: { port: PRICES_API_PORT_NAME } };
  const deployment: KubeObject = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: PRICES_API_DEPLOYMENT, namespace: PRICING_NAMESPACE, labels: { ...PRICES_API_LABELS } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { ...PRICES_API_LABELS } },
      template: {
        metadata: { labels: { ...PRICES_API_LABELS } },
        spec: {
          // The API calls nothing in the cluster, so it needs no service-account token.
          automountServiceAccountToken: false,
          securityContext: { seccompProfile: { type: "RuntimeDefault" } },
          containers: [
            {
              name: PRICES_API_CONTAINER,
              image,
              ports: [{ name: PRICES_API_PORT_NAME, containerPort: PRICES_API_CONTAINER_PORT, protocol: "TCP" }],
              resources: {
                requests: { memory: "64Mi", cpu: "250m" },
                limits: { memory: "128Mi", cpu: "500m" },
              },
              securityContext: {
                allowPrivilegeEscalation: false,
                capabilities: { drop: ["ALL"] },
                seccompProfile: { type: "RuntimeDefault" },
              },
              // A TCP probe, because the image documents no health endpoint and /price/{id} is business logic.
              readinessProbe: { ...probe, initialDelaySeconds: 2, periodSeconds: 5 },
              livenessProbe: { ...probe, initialDelaySeconds: 10, periodSeconds: 10 },
            },
          ],
        },
      },
    },
  };
  const service: KubeObject = {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: PRICES_API_SERVICE, namespace: PRICING_NAMESPACE, labels: { ...PRICES_API_LABELS } },
    spec: {
      type: "ClusterIP",
      selector: { ...PRICES_API_LABELS },
      ports: [{ name: PRICES_API_PORT_NAME, port: PRICES_API_SERVICE_PORT, targetPort: PRICES_API_CONTAINER_PORT, protocol: "TCP" }],
    },
  };
  return { namespace, deployment, service };
}
