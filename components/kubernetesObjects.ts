import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import type { KubeObject } from "../core/netpol/types";

/**
 * Options shared by every Kubernetes object of this stack.
 * - `provider`: always explicit, so nothing ever lands on the ambient kubeconfig by accident.
 * - `deletedWith`: when the cluster itself is being deleted, Pulumi skips deleting the objects
 *   inside it instead of waiting on namespace finalizers in a cluster about to vanish.
 */
export interface KubernetesChildArgs {
  /** The Kubernetes provider of the target cluster. */
  provider: k8s.Provider;
  /** The resource whose deletion also deletes these objects (the AKS cluster); none for an existing cluster. */
  deletedWith?: pulumi.Resource;
}

export function kubernetesChildOptions(
  parent: pulumi.Resource,
  args: KubernetesChildArgs,
  dependsOn: pulumi.Resource[] = [],
): pulumi.CustomResourceOptions {
  return {
    parent,
    provider: args.provider,
    ...(args.deletedWith ? { deletedWith: args.deletedWith } : {}),
    ...(dependsOn.length > 0 ? { dependsOn } : {}),
  };
}

/** `<component>-<object name>`: stable logical names derived from the component name (URNs add the type). */
export function childName(componentName: string, object: KubeObject): string {
  return `${componentName}-${object.metadata.name}`;
}

/**
 * Registers one plain Kubernetes object with its typed Pulumi resource. The object keeps its
 * `metadata.name`, so Pulumi does not auto-name it and the tutorial's names and DNS work.
 */
export function applyObject(componentName: string, object: KubeObject, opts: pulumi.CustomResourceOptions): pulumi.CustomResource {
  const name = childName(componentName, object);
  // The plain objects are Kubernetes API shapes; the typed resources accept exactly those.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const args = object as any;
  switch (`${object.apiVersion}/${object.kind}`) {
    case "v1/Namespace":
      return new k8s.core.v1.Namespace(name, args, opts);
    case "v1/Service":
      return new k8s.core.v1.Service(name, args, opts);
    case "apps/v1/Deployment":
      return new k8s.apps.v1.Deployment(name, args, opts);
    case "networking.k8s.io/v1/NetworkPolicy":
      return new k8s.networking.v1.NetworkPolicy(name, args, opts);
    default:
      throw new Error(`${name}: no Pulumi resource is mapped for ${object.apiVersion} ${object.kind}`);
  }
}
