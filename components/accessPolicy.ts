import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import type { AllowedCaller } from "../core/config";
import { accessPolicyObjects } from "../core/stack/accessPolicy";
import { applyObject, kubernetesChildOptions, type KubernetesChildArgs } from "./kubernetesObjects";

export interface AccessPolicyArgs extends KubernetesChildArgs {
  /** Who may call prices-api. Each caller's namespace is created with its labels. */
  allowedCallers: AllowedCaller[];
  /** The namespace the policies live in (pricing-ns), so they are created after it. */
  pricingNamespace: k8s.core.v1.Namespace;
}

/**
 * Who may call prices-api: the callers' namespaces, a default-deny ingress policy for pricing-ns,
 * and the policy that admits exactly the allowed callers.
 */
export class AccessPolicy extends pulumi.ComponentResource {
  readonly callerNamespaces: k8s.core.v1.Namespace[];
  readonly defaultDeny: k8s.networking.v1.NetworkPolicy;
  readonly pricesApiPolicy: k8s.networking.v1.NetworkPolicy;

  constructor(name: string, args: AccessPolicyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pricesapi:index:AccessPolicy", name, {}, opts);
    if (!args.allowedCallers?.length) {
      throw new Error(`AccessPolicy ${name}: allowedCallers must name at least one caller; use no policy component to close the API entirely`);
    }
    const objects = accessPolicyObjects(args.allowedCallers);
    this.callerNamespaces = objects.callerNamespaces.map(
      (ns) => applyObject(name, ns, kubernetesChildOptions(this, args)) as k8s.core.v1.Namespace,
    );
    const inPricingNs = kubernetesChildOptions(this, args, [args.pricingNamespace]);
    this.defaultDeny = applyObject(name, objects.defaultDeny, inPricingNs) as k8s.networking.v1.NetworkPolicy;
    this.pricesApiPolicy = applyObject(name, objects.pricesApiPolicy, inPricingNs) as k8s.networking.v1.NetworkPolicy;
    this.registerOutputs({ policy: this.pricesApiPolicy.metadata.name });
  }
}
