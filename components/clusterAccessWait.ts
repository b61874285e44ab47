import * as pulumi from "@pulumi/pulumi";
import { ACCESS_WAIT_INTERVAL_SECONDS, ACCESS_WAIT_TIMEOUT_SECONDS, waitForAccess } from "../core/stack/clusterAccess";
import { askCluster } from "./clusterAccessProbe";

export interface ClusterAccessWaitArgs {
  /** API server URL and CA of the cluster (no credential). */
  server: pulumi.Input<string>;
  certificateAuthorityData: pulumi.Input<string>;
  /** `kubelogin` arguments that sign in as the deploying identity (core/stack/kubeconfig KUBELOGIN_ARGS). */
  kubeloginArgs: pulumi.Input<string[]>;
  /** Entra object id whose role assignment is awaited, for the message when it never arrives. */
  principalId: pulumi.Input<string>;
  /** The role assignment awaited: a new or replaced assignment waits again. */
  roleAssignmentId: pulumi.Input<string>;
  timeoutSeconds?: pulumi.Input<number>;
  intervalSeconds?: pulumi.Input<number>;
}

interface WaitInputs {
  server: string;
  certificateAuthorityData: string;
  kubeloginArgs: string[];
  principalId: string;
  roleAssignmentId: string;
  timeoutSeconds: number;
  intervalSeconds: number;
}

const WAIT_KEYS: ReadonlyArray<keyof WaitInputs> = ["server", "certificateAuthorityData", "kubeloginArgs", "principalId", "roleAssignmentId", "timeoutSeconds", "intervalSeconds"];

/**
 * Runs only when the resource is created (a real `up`, never a preview): asks the cluster until the
 * role assignment is in effect, so the Kubernetes objects after it never meet a 403.
 */
const provider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: WaitInputs) {
    const attempts = await waitForAccess(() => askCluster({ server: inputs.server, certificateAuthorityData: inputs.certificateAuthorityData }, inputs.kubeloginArgs), {
      timeoutMs: inputs.timeoutSeconds * 1000,
      intervalMs: inputs.intervalSeconds * 1000,
      clock: { now: () => Date.now(), sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) },
      who: `The identity kubelogin signs in (RBAC Cluster Admin is assigned to Entra object id ${inputs.principalId})`,
    });
    return { id: inputs.roleAssignmentId, outs: { ...inputs, attempts } };
  },
  async diff(_id: string, olds: WaitInputs, news: WaitInputs) {
    const replaces = WAIT_KEYS.filter((k) => JSON.stringify(olds[k]) !== JSON.stringify(news[k]));
    return { changes: replaces.length > 0, replaces, deleteBeforeReplace: false };
  },
  async delete() {
    // Nothing exists outside the state: the wait is a moment in time.
  },
};

/**
 * The bounded wait between a role assignment on an AKS cluster and the first Kubernetes object:
 * Azure RBAC reaches the API server minutes after the assignment exists. Up to
 * ACCESS_WAIT_TIMEOUT_SECONDS, asking every ACCESS_WAIT_INTERVAL_SECONDS; then `up` fails with what
 * the cluster last said, and nothing was created on it.
 */
export class ClusterAccessWait extends pulumi.dynamic.Resource {
  constructor(name: string, args: ClusterAccessWaitArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      provider,
      name,
      { timeoutSeconds: ACCESS_WAIT_TIMEOUT_SECONDS, intervalSeconds: ACCESS_WAIT_INTERVAL_SECONDS, ...args, attempts: undefined },
      opts,
      "pricesapi",
      "ClusterAccessWait",
    );
  }
}
