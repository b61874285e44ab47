import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { readKubeconfigContexts } from "../core/kubeContexts";

export interface ExistingClusterArgs {
  /** kubeconfig context to deploy to; the current context when unset. */
  context?: string;
}

/** A Kubernetes provider for a cluster this stack does not own (k3d, kind, ...), from the local kubeconfig. */
export class ExistingCluster extends pulumi.ComponentResource {
  readonly provider: k8s.Provider;

  constructor(name: string, args: ExistingClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pricesapi:index:ExistingCluster", name, {}, opts);
    this.provider = new k8s.Provider(
      `${name}-k8s`,
      // No permanent deleteUnreachable (see AksCluster): a deleted local cluster is torn down
      // with PULUMI_K8S_DELETE_UNREACHABLE=true pulumi destroy.
      // clusterIdentifier: another context is another cluster, so the provider (and its objects) is replaced.
      { ...(args.context ? { context: args.context, clusterIdentifier: `kubeconfig-context/${args.context}` } : {}) },
      { parent: this },
    );
    // Say where this goes, on every preview: a context name alone hides which cluster it is.
    if (args.context) {
      const known = readKubeconfigContexts().contexts.find((c) => c.name === args.context);
      pulumi.log.info(`deploying to kubeconfig context ${args.context}${known?.server ? ` (${known.server})` : " (not in the local kubeconfig)"}`, this);
    }
    this.registerOutputs({});
  }
}
