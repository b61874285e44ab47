import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { getClientConfigOutput, RoleAssignment } from "@pulumi/azure-native/authorization";
import { listManagedClusterUserCredentialsOutput, ManagedCluster } from "@pulumi/azure-native/containerservice";
import { ResourceGroup } from "@pulumi/azure-native/resources";
import type { StackConfig } from "../core/config";
import { clusterSettings, clusterWarnings, managedClusterSpec, replacementWarnings, type ClusterSettings } from "../core/stack/cluster";
import { clusterRoleAssignments, roleDefinitionId } from "../core/stack/clusterAccess";
import { clusterEndpoint, KUBELOGIN_ARGS, kubeloginKubeconfig } from "../core/stack/kubeconfig";
import { ClusterAccessWait } from "./clusterAccessWait";

export interface AksClusterArgs {
  /** The validated stack config (cluster size, version, network policy engine, names, expiry). */
  config: StackConfig;
  /** Azure region, e.g. australiaeast. */
  location: string;
  /** Tags stamped on the resource group (pulumi project, stack, expiresAt). */
  tags: Record<string, string>;
}

/**
 * A resource group and an AKS cluster with Azure CNI and a network policy engine, plus a
 * Kubernetes provider for it whose kubeconfig is secret from the first moment.
 *
 * By default the cluster signs in with Entra ID and authorizes with Azure RBAC, local accounts
 * disabled: the stack assigns the deploying identity RBAC Cluster Admin (and the preview identity
 * RBAC Reader, when configured), waits until the cluster honours that assignment, and only then
 * lets its Kubernetes provider, and so every Kubernetes object, go ahead. The provider signs in with
 * `kubelogin`. `localAccounts: true` keeps the old shape for throw-away demos, with a warning.
 */
export class AksCluster extends pulumi.ComponentResource {
  readonly resourceGroup: ResourceGroup;
  readonly cluster: ManagedCluster;
  /** The role assignments on the cluster (none with local accounts). */
  readonly roleAssignments: RoleAssignment[];
  /** Resolves when the deployer's assignment is in effect on the cluster; absent with local accounts. */
  readonly accessReady?: ClusterAccessWait;
  /** The provider's kubeconfig (kubelogin exec, or the local-accounts user credential), always a secret. */
  readonly kubeconfig: pulumi.Output<string>;
  readonly provider: k8s.Provider;
  /** What a later preview compares against (exported by index.ts as clusterSettings). */
  readonly settings: ClusterSettings;

  constructor(name: string, args: AksClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pricesapi:index:AksCluster", name, {}, opts);
    if (!args.location) throw new Error(`AksCluster ${name}: location is required (config azure-native:location)`);
    const { config } = args;
    const protect = config.protect;
    for (const warning of clusterWarnings(config)) pulumi.log.warn(warning, this);

    this.resourceGroup = new ResourceGroup(
      `${name}-rg`,
      { location: args.location, tags: args.tags, ...(config.resourceGroupName ? { resourceGroupName: config.resourceGroupName } : {}) },
      { parent: this, protect },
    );

    this.cluster = new ManagedCluster(
      name,
      {
        resourceGroupName: this.resourceGroup.name,
        location: args.location,
        tags: args.tags,
        ...(config.clusterName ? { resourceName: config.clusterName } : {}),
        ...managedClusterSpec(config),
      },
      // Deleting the resource group deletes the cluster; Pulumi need not wait for it separately.
      { parent: this, protect, deletedWith: this.resourceGroup },
    );

    // The settings the last deployment exported (index.ts: clusterSettings), read from this very
    // stack, so a preview can say "this replaces the cluster" before anyone runs up.
    const current = clusterSettings(config);
    const previous = new pulumi.StackReference(`${name}-last-deployment`, { name: `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}` }, { parent: this });
    previous.getOutput("clusterSettings").apply((last) => {
      for (const warning of replacementWarnings(last, current)) pulumi.log.warn(warning, this);
    });
    this.settings = current;

    const client = getClientConfigOutput({ parent: this });
    const planned = clusterRoleAssignments(config);
    this.roleAssignments = planned.map(
      (assignment) =>
        new RoleAssignment(
          `${name}-${assignment.key}`,
          {
            scope: this.cluster.id,
            principalId: assignment.principalId ?? client.objectId,
            roleDefinitionId: client.subscriptionId.apply((subscription) => roleDefinitionId(subscription, assignment.role.id)),
            description: assignment.description,
          },
          { parent: this },
        ),
    );

    const credentials = listManagedClusterUserCredentialsOutput(
      // Entra ID clusters: the exec format, whose user we replace; only its server and CA are kept.
      { resourceGroupName: this.resourceGroup.name, resourceName: this.cluster.name, ...(config.localAccounts ? {} : { format: "exec" }) },
      { parent: this },
    );
    const returned = credentials.kubeconfigs.apply((kubeconfigs) => {
      const encoded = kubeconfigs?.[0]?.value;
      if (!encoded) throw new Error(`AksCluster ${name}: AKS returned no user kubeconfig`);
      return Buffer.from(encoded, "base64").toString("utf8");
    });
    const endpoint = config.localAccounts ? undefined : returned.apply(clusterEndpoint);
    // Secret before it reaches the provider or any output, so no state file or log shows it.
    this.kubeconfig = pulumi.secret(endpoint ? endpoint.apply((e) => kubeloginKubeconfig(name, e)) : returned);

    const deployer = this.roleAssignments[planned.findIndex((a) => a.key === "deployer-cluster-admin")];
    this.accessReady =
      deployer && endpoint
        ? new ClusterAccessWait(
            `${name}-access`,
            {
              server: endpoint.server,
              certificateAuthorityData: endpoint.certificateAuthorityData,
              kubeloginArgs: [...KUBELOGIN_ARGS],
              principalId: deployer.principalId,
              roleAssignmentId: deployer.id,
            },
            { parent: this, dependsOn: [deployer] },
          )
        : undefined;

    this.provider = new k8s.Provider(
      `${name}-k8s`,
      // No permanent deleteUnreachable: with it, a refresh during an outage would drop every
      // Kubernetes object from state. Destroying after the cluster is gone is a teardown-time
      // choice: PULUMI_K8S_DELETE_UNREACHABLE=true pulumi destroy (README, Teardown).
      {
        kubeconfig: this.kubeconfig,
        // The provider is replaced only when this changes, i.e. when the cluster itself is replaced:
        // an in-place AKS update that leaves the kubeconfig unknown at preview time then shows as an
        // update, not as a replacement of every Kubernetes object.
        clusterIdentifier: this.cluster.id,
      },
      // Every Kubernetes object uses this provider, so none is created before the deployer may create it.
      { parent: this, ...(this.accessReady ? { dependsOn: [this.accessReady] } : {}) },
    );

    this.registerOutputs({
      resourceGroupName: this.resourceGroup.name,
      clusterName: this.cluster.name,
      kubeconfig: this.kubeconfig,
    });
  }
}
