import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { pricesApiObjects } from "../core/stack/pricesApi";
import { PRICES_API_URL } from "../core/stack/names";
import { applyObject, kubernetesChildOptions, type KubernetesChildArgs } from "./kubernetesObjects";

export interface PricesApiArgs extends KubernetesChildArgs {
  /** Container image of prices-api (validated by the stack config). */
  image: string;
}

/** The prices-api workload: namespace `pricing-ns`, its Deployment and its ClusterIP Service. */
export class PricesApi extends pulumi.ComponentResource {
  /** The `pricing-ns` namespace; policies that live in it depend on it. */
  readonly namespace: k8s.core.v1.Namespace;
  readonly deployment: k8s.apps.v1.Deployment;
  readonly service: k8s.core.v1.Service;
  /** In-cluster URL of the tutorial's request. */
  readonly url: string;

  constructor(name: string, args: PricesApiArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pricesapi:index:PricesApi", name, {}, opts);
    if (!args.image?.trim()) throw new Error(`PricesApi ${name}: image must not be empty`);
    const objects = pricesApiObjects(args.image);
    this.namespace = applyObject(name, objects.namespace, kubernetesChildOptions(this, args)) as k8s.core.v1.Namespace;
    const inNamespace = kubernetesChildOptions(this, args, [this.namespace]);
    this.deployment = applyObject(name, objects.deployment, inNamespace) as k8s.apps.v1.Deployment;
    this.service = applyObject(name, objects.service, inNamespace) as k8s.core.v1.Service;
    this.url = PRICES_API_URL;
    this.registerOutputs({ namespace: this.namespace.metadata.name, url: this.url });
  }
}
