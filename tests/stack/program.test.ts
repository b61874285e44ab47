import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import { validateConfig } from "../../core/config";
import { stackObjects } from "../../core/stack";
import { AZURE_NPM_RETIREMENT_WARNING, clusterSettings, clusterWarnings, LOCAL_ACCOUNTS_WARNING, replacementWarnings } from "../../core/stack/cluster";
import { parse } from "yaml";
import { CLIENT, DEV_CONFIG, KUBECONFIG_TEXT, PROJECT, type ProgramRun, type RecordedResource, runFailingProgram, runProgram, valueOf } from "./harness";
import { CA, SERVER } from "./kubeconfigFixtures";

const RG = "azure-native:resources:ResourceGroup";
const AKS = "azure-native:containerservice:ManagedCluster";
const K8S_PROVIDER = "pulumi:providers:kubernetes";
const ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment";
const ACCESS_WAIT = "pulumi-nodejs:dynamic/pricesapi:ClusterAccessWait";
const key = (k: string) => `${PROJECT}:${k}`;

const urnOf = (resource: pulumi.Resource | undefined) => valueOf(resource?.urn);
/** The resource objects the program created, found through what depends on them. */
const waitResource = (run: ProgramRun) => ((run.one(K8S_PROVIDER).opts.dependsOn ?? []) as pulumi.Resource[])[0];
const assignmentResource = (run: ProgramRun) => ((run.one(ACCESS_WAIT).opts.dependsOn ?? []) as pulumi.Resource[])[0];
const kubernetesObjects = (run: ProgramRun) => run.resources.filter((r) => r.type.startsWith("kubernetes:"));
const objectNamed = (run: ProgramRun, kind: string, name: string): RecordedResource => {
  const found = kubernetesObjects(run).filter((r) => r.type.endsWith(`:${kind}`) && (r.inputs.metadata as { name: string }).name === name);
  assert.equal(found.length, 1, `one ${kind} named ${name}`);
  return found[0];
};

describe("the dev stack (AKS) under mocks", function () {
  let run: ProgramRun;
  before(async () => {
    run = await runProgram();
  });

  it("creates a resource group in the configured region, tagged with its stack", () => {
    const rg = run.one(RG);
    assert.equal(rg.inputs.location, "australiaeast");
    assert.deepEqual(rg.inputs.tags, { "pulumi-project": PROJECT, "pulumi-stack": "dev" });
  });

  it("creates AKS with Azure CNI, Azure network policy and a standard load balancer", () => {
    const aks = run.one(AKS);
    const network = aks.inputs.networkProfile as Record<string, unknown>;
    assert.deepEqual(
      [network.networkPlugin, network.networkPolicy, network.loadBalancerSku, network.networkDataplane, network.networkPluginMode],
      ["azure", "azure", "standard", undefined, undefined],
    );
    assert.equal(aks.inputs.location, "australiaeast");
    assert.equal(aks.inputs.dnsPrefix, "policy-demo-dev");
    assert.equal(aks.inputs.enableRBAC, true);
    assert.deepEqual(aks.inputs.identity, { type: "SystemAssigned" });
    assert.equal(aks.inputs.kubernetesVersion, undefined, "the AKS default version unless one is pinned");
  });

  it("gives AKS one System pool with the tutorial's size: 1 x Standard_B2s, 32 GB OS disk", () => {
    const pools = run.one(AKS).inputs.agentPoolProfiles as Array<Record<string, unknown>>;
    assert.equal(pools.length, 1);
    assert.deepEqual(pools[0], {
      name: "system",
      mode: "System",
      count: 1,
      vmSize: "Standard_B2s",
      osDiskSizeGB: 32,
      osType: "Linux",
      type: "VirtualMachineScaleSets",
    });
  });

  it("puts the cluster in the resource group and deletes it with the group", async () => {
    const rg = run.one(RG);
    const aks = run.one(AKS);
    assert.equal(rg.inputs.resourceGroupName, undefined, "auto-named, so stacks never collide");
    assert.equal(aks.inputs.resourceGroupName, "policy-demo-rg-physical");
    assert.match(String(await urnOf(aks.opts.deletedWith)), /ResourceGroup::policy-demo-rg$/);
    assert.equal(rg.opts.protect, false);
    assert.equal(aks.opts.protect, false);
  });

  it("signs in with Entra ID and authorizes with Azure RBAC, local accounts disabled", () => {
    const aks = run.one(AKS).inputs;
    assert.deepEqual(aks.aadProfile, { managed: true, enableAzureRBAC: true });
    assert.equal(aks.disableLocalAccounts, true);
    assert.equal(aks.enableRBAC, true);
  });

  it("gives the identity running up RBAC Cluster Admin on the cluster, through a role assignment of its own", () => {
    const assignments = run.byType(ROLE_ASSIGNMENT);
    assert.deepEqual(
      assignments.map((a) => [a.name, a.inputs.scope, a.inputs.principalId, a.inputs.roleDefinitionId]),
      [["policy-demo-deployer-cluster-admin", "policy-demo-id", CLIENT.objectId, `/subscriptions/${CLIENT.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b`]],
    );
  });

  it("orders it before every Kubernetes object: assignment, then the wait for it to reach the cluster, then the provider", async () => {
    const assignment = run.one(ROLE_ASSIGNMENT);
    const wait = run.one(ACCESS_WAIT);
    const dependsOn = async (r: RecordedResource) => Promise.all(((r.opts.dependsOn ?? []) as pulumi.Resource[]).map(urnOf));
    assert.deepEqual(await dependsOn(wait), [String(await urnOf(assignmentResource(run)))]);
    assert.equal(wait.inputs.roleAssignmentId, `${assignment.name}-id`, "a new or replaced assignment is waited for again");
    assert.deepEqual([wait.inputs.timeoutSeconds, wait.inputs.intervalSeconds], [600, 10], "bounded: at most ten minutes, one question every 10 s");
    assert.deepEqual([wait.inputs.server, wait.inputs.certificateAuthorityData, wait.inputs.principalId], [SERVER, CA, CLIENT.objectId]);
    // The engine runs the wait in its dynamic-provider process: the provider must serialize, and does.
    assert.match(String(wait.inputs.__provider), /exports\.handler = .*[\s\S]*askCluster[\s\S]*selfsubjectaccessreviews/);
    const provider = run.one(K8S_PROVIDER);
    assert.deepEqual(await dependsOn(provider), [String(await urnOf(waitResource(run)))]);
    for (const r of kubernetesObjects(run)) assert.match(String(await urnOf(r.opts.provider as pulumi.Resource)), /providers:kubernetes::policy-demo-k8s$/, r.name);
  });

  it("signs the Kubernetes provider in with kubelogin (exec, Azure CLI login), keeping only AKS's server and CA, and keeps it secret", async () => {
    const credentials = run.invokes.find((i) => i.token === "azure-native:containerservice:listManagedClusterUserCredentials");
    assert.equal(credentials?.inputs.format, "exec");
    const provider = run.one(K8S_PROVIDER);
    // What the engine receives: a value wrapped in Pulumi's secret signature, never plain text.
    const wrapped = provider.inputs.kubeconfig as { [specialSigKey]: string; value: string };
    assert.equal(wrapped[specialSigKey], specialSecretSig);
    const kubeconfig = parse(wrapped.value);
    assert.deepEqual(kubeconfig.clusters, [{ name: "policy-demo", cluster: { server: SERVER, "certificate-authority-data": CA } }]);
    assert.deepEqual(kubeconfig.users[0].user.exec.command, "kubelogin");
    assert.deepEqual(kubeconfig.users[0].user.exec.args, ["get-token", "--login", "azurecli", "--server-id", "6dae42f8-4368-4678-94ff-3960e28e3630"]);
    assert.equal(await pulumi.isSecret(provider.props.kubeconfig as pulumi.Output<string>), true);
    // A permanent deleteUnreachable would let a refresh during an outage drop every object from state.
    assert.equal(provider.inputs.deleteUnreachable, undefined);
    // Replaced only with the cluster: an in-place AKS change must not replace every Kubernetes object.
    assert.equal(provider.inputs.clusterIdentifier, "policy-demo-id");
  });

  it("exports the kubeconfig only as a secret", async () => {
    const kubeconfig = run.outputs.kubeconfig as pulumi.Output<string>;
    assert.equal(await pulumi.isSecret(kubeconfig), true);
    assert.equal(await valueOf(kubeconfig), (run.one(K8S_PROVIDER).inputs.kubeconfig as { value: string }).value);
  });

  it("applies exactly the objects of core/stack, with the tutorial's names, through the explicit provider", async () => {
    const expected = stackObjects(validateConfig({ "azure-native:location": "australiaeast" }, "dev"));
    const applied = kubernetesObjects(run).map((r) => r.inputs);
    const byIdentity = (o: { kind?: unknown; metadata?: unknown }) => `${o.kind}/${(o.metadata as { name: string }).name}`;
    assert.deepEqual(applied.map(byIdentity).sort(), expected.map(byIdentity).sort());
    for (const object of expected) {
      const resource = kubernetesObjects(run).find((r) => byIdentity(r.inputs) === byIdentity(object));
      assert.deepEqual(resource?.inputs, object, `${byIdentity(object)} is applied as built`);
    }
    for (const r of kubernetesObjects(run)) {
      assert.match(String(await urnOf(r.opts.provider as pulumi.Resource)), /providers:kubernetes::policy-demo-k8s$/, `${r.name} uses the stack's provider`);
      assert.match(String(await urnOf(r.opts.deletedWith)), /ManagedCluster::policy-demo$/, `${r.name} is deleted with the cluster`);
    }
  });

  it("creates namespaced objects after their namespace", async () => {
    for (const r of kubernetesObjects(run).filter((o) => (o.inputs.metadata as { namespace?: string }).namespace)) {
      const ns = (r.inputs.metadata as { namespace: string }).namespace;
      const deps = await Promise.all(((r.opts.dependsOn ?? []) as pulumi.Resource[]).map(urnOf));
      assert.ok(deps.some((u) => String(u).endsWith(`Namespace::prices-api-${ns}`)), `${r.name} depends on namespace ${ns}`);
    }
  });

  it("deploys prices-api hardened, sized and probed as specified", () => {
    const deployment = objectNamed(run, "Deployment", "prices-api-deployment").inputs as any;
    assert.equal(deployment.metadata.namespace, "pricing-ns");
    assert.equal(deployment.spec.replicas, 1);
    assert.deepEqual(deployment.spec.selector, { matchLabels: { app: "prices-api" } });
    const pod = deployment.spec.template.spec;
    assert.equal(pod.automountServiceAccountToken, false);
    const [container] = pod.containers;
    assert.equal(container.image, "rahulrai/prices-api:latest");
    assert.deepEqual(container.ports, [{ name: "http", containerPort: 8080, protocol: "TCP" }]);
    assert.deepEqual(container.resources, { requests: { memory: "64Mi", cpu: "250m" }, limits: { memory: "128Mi", cpu: "500m" } });
    assert.equal(container.securityContext.allowPrivilegeEscalation, false);
    assert.deepEqual(container.securityContext.capabilities, { drop: ["ALL"] });
    assert.equal(container.securityContext.seccompProfile.type, "RuntimeDefault");
    assert.equal(container.readinessProbe.tcpSocket.port, "http");
    assert.equal(container.livenessProbe.tcpSocket.port, "http");
  });

  it("exposes prices-api through a ClusterIP Service, port 80 to 8080, named http", () => {
    const service = objectNamed(run, "Service", "prices-api-service").inputs as any;
    assert.equal(service.spec.type, "ClusterIP");
    assert.deepEqual(service.spec.ports, [{ name: "http", port: 80, targetPort: 8080, protocol: "TCP" }]);
    assert.deepEqual(service.spec.selector, { app: "prices-api" });
  });

  it("labels the namespaces as the tutorial does", () => {
    assert.deepEqual((objectNamed(run, "Namespace", "pricing-ns").inputs as any).metadata.labels, { name: "pricing" });
    assert.deepEqual((objectNamed(run, "Namespace", "critical-project").inputs as any).metadata.labels, { project: "critical-project" });
  });

  it("admits only consumer pods of critical-project, through ONE peer that also pins the namespace name", () => {
    const policy = objectNamed(run, "NetworkPolicy", "prices-api-network-policy").inputs as any;
    assert.equal(policy.metadata.namespace, "pricing-ns");
    assert.deepEqual(policy.spec, {
      podSelector: { matchLabels: { app: "prices-api" } },
      policyTypes: ["Ingress"],
      ingress: [
        {
          from: [
            {
              namespaceSelector: { matchLabels: { project: "critical-project", "kubernetes.io/metadata.name": "critical-project" } },
              podSelector: { matchLabels: { app: "prices-api-consumer" } },
            },
          ],
          ports: [{ protocol: "TCP", port: 8080 }],
        },
      ],
    });
  });

  it("closes pricing-ns by default", () => {
    const deny = objectNamed(run, "NetworkPolicy", "default-deny-ingress").inputs as any;
    assert.deepEqual(deny.metadata, { name: "default-deny-ingress", namespace: "pricing-ns" });
    assert.deepEqual(deny.spec, { podSelector: {}, policyTypes: ["Ingress"] });
  });

  it("exports names, the in-cluster URL and what the tutorial's two checks prove, as information: no command to run", async () => {
    assert.equal(await valueOf(run.outputs.resourceGroupName as pulumi.Output<string>), "policy-demo-rg-physical");
    assert.equal(await valueOf(run.outputs.clusterName as pulumi.Output<string>), "policy-demo-physical");
    assert.equal(run.outputs.pricesApiUrl, "http://prices-api-service.pricing-ns.svc.cluster.local/price/1");
    // Whoever can write the state can write the outputs: nothing documented runs them (npm run check builds its own).
    assert.equal(run.outputs.allowCheckCommand, undefined);
    assert.equal(run.outputs.denyCheckCommand, undefined);
    assert.equal(run.outputs.allowCheck, "a pod labelled app=prices-api-consumer in namespace critical-project gets an answer from http://prices-api-service.pricing-ns.svc.cluster.local/price/1");
    assert.equal(run.outputs.denyCheck, "an unlabelled pod in namespace default is blocked from http://prices-api-service.pricing-ns.svc.cluster.local/price/1");
    for (const value of Object.values(run.outputs)) assert.doesNotMatch(typeof value === "string" ? value : "", /kubectl|curl /);
  });
});

describe("stack options under mocks", () => {
  it("cilium switches to the Cilium dataplane in overlay mode", async () => {
    const run = await runProgram({ ...DEV_CONFIG, [key("networkPolicy")]: "cilium" });
    const network = run.one(AKS).inputs.networkProfile as Record<string, unknown>;
    assert.deepEqual(
      [network.networkPlugin, network.networkPolicy, network.networkDataplane, network.networkPluginMode, network.podCidr, network.loadBalancerSku],
      ["azure", "cilium", "cilium", "overlay", "192.168.0.0/16", "standard"],
    );
  });

  it("pins the Kubernetes version, names and node pool size when configured", async () => {
    const run = await runProgram({
      ...DEV_CONFIG,
      [key("kubernetesVersion")]: "1.33.2",
      [key("nodeCount")]: "3",
      [key("nodeVmSize")]: "Standard_D2s_v5",
      [key("nodeOsDiskSizeGb")]: "64",
      [key("resourceGroupName")]: "demo-rg",
      [key("clusterName")]: "policy-demo",
    });
    const aks = run.one(AKS).inputs;
    assert.equal(aks.kubernetesVersion, "1.33.2");
    assert.equal(aks.resourceName, "policy-demo");
    assert.equal(run.one(RG).inputs.resourceGroupName, "demo-rg");
    const [pool] = aks.agentPoolProfiles as Array<Record<string, unknown>>;
    assert.deepEqual([pool.count, pool.vmSize, pool.osDiskSizeGB], [3, "Standard_D2s_v5", 64]);
  });

  it("stamps expiresAt on the resource group and exports it; protect guards the group and cluster", async () => {
    const run = await runProgram({ ...DEV_CONFIG, [key("expiresAt")]: "2026-12-31", [key("protect")]: "true" });
    assert.equal((run.one(RG).inputs.tags as Record<string, string>).expiresAt, "2026-12-31");
    assert.equal(run.outputs.expiresAt, "2026-12-31");
    assert.equal(run.one(RG).opts.protect, true);
    assert.equal(run.one(AKS).opts.protect, true);
  });

  it("two callers: both namespaces exist and the policy has one peer per caller", async () => {
    const callers = [
      { namespace: "critical-project", namespaceLabels: { project: "critical-project" }, podLabels: { app: "prices-api-consumer" } },
      { namespace: "billing", podLabels: { app: "invoicer" } },
    ];
    const run = await runProgram({ ...DEV_CONFIG, [key("allowedCallers")]: JSON.stringify(callers) });
    assert.ok(objectNamed(run, "Namespace", "billing"));
    const policy = objectNamed(run, "NetworkPolicy", "prices-api-network-policy").inputs as any;
    assert.deepEqual(
      policy.spec.ingress[0].from.map((p: any) => p.namespaceSelector.matchLabels["kubernetes.io/metadata.name"]),
      ["critical-project", "billing"],
    );
  });

  it("assigns RBAC Cluster Admin to the configured deployer and RBAC Reader (namespaces included, no Secrets) to the preview identity", async () => {
    const deployer = "aaaaaaaa-1111-2222-3333-444444444444";
    const preview = "bbbbbbbb-1111-2222-3333-444444444444";
    const run = await runProgram({ ...DEV_CONFIG, [key("deployerPrincipalId")]: deployer, [key("previewPrincipalId")]: preview });
    const role = (id: string) => `/subscriptions/${CLIENT.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${id}`;
    assert.deepEqual(
      run.byType(ROLE_ASSIGNMENT).map((a) => [a.name, a.inputs.scope, a.inputs.principalId, a.inputs.roleDefinitionId]),
      [
        ["policy-demo-deployer-cluster-admin", "policy-demo-id", deployer, role("b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b")],
        ["policy-demo-preview-reader", "policy-demo-id", preview, role("7f6c6a51-bcf8-42ba-9220-52d62157d7db")],
      ],
    );
    assert.equal(run.one(ACCESS_WAIT).inputs.principalId, deployer, "the wait is for the deployer's assignment");
  });

  it("localAccounts: true opts a demo back into local accounts: no Entra ID, no role assignment, no wait, AKS's user credential, and a warning", async () => {
    const warnings: string[] = [];
    const warn = pulumi.log.warn;
    pulumi.log.warn = (message: string) => (warnings.push(message), Promise.resolve());
    let run: ProgramRun;
    try {
      run = await runProgram({ ...DEV_CONFIG, [key("localAccounts")]: "true" });
    } finally {
      pulumi.log.warn = warn;
    }
    const aks = run.one(AKS).inputs;
    assert.deepEqual([aks.aadProfile, aks.disableLocalAccounts], [undefined, false]);
    assert.deepEqual([run.byType(ROLE_ASSIGNMENT), run.byType(ACCESS_WAIT)], [[], []]);
    assert.equal(run.invokes.find((i) => i.token.endsWith("listManagedClusterUserCredentials"))?.inputs.format, undefined);
    assert.equal((run.one(K8S_PROVIDER).inputs.kubeconfig as { value: string }).value, KUBECONFIG_TEXT);
    assert.equal(run.one(K8S_PROVIDER).opts.dependsOn, undefined);
    assert.ok(warnings.includes(LOCAL_ACCOUNTS_WARNING), warnings.join("\n"));
    assert.match(LOCAL_ACCOUNTS_WARNING, /^localAccounts is true: .*anyone who may list it \(Azure Kubernetes Service Cluster User Role\) is cluster-admin; use it only for a throw-away demo/);
  });

  it("the local stack (existing cluster) creates no Azure resources and uses the kubeconfig context", async () => {
    const run = await runProgram({ [key("clusterMode")]: "existing", [key("kubeContext")]: "k3d-policy-demo" }, "local");
    assert.deepEqual(run.resources.filter((r) => r.type.startsWith("azure-native:")), []);
    const provider = run.one(K8S_PROVIDER);
    assert.equal(provider.inputs.context, "k3d-policy-demo");
    assert.equal(provider.inputs.deleteUnreachable, undefined);
    assert.equal(provider.inputs.clusterIdentifier, "kubeconfig-context/k3d-policy-demo");
    assert.equal(kubernetesObjects(run).length, 6);
    for (const r of kubernetesObjects(run)) assert.equal(r.opts.deletedWith, undefined);
    assert.equal(run.outputs.kubeconfig, undefined);
  });
});

describe("config errors stop the program before any resource exists", () => {
  const cases: Array<[string, Record<string, string>, RegExp]> = [
    ["nodeCount 0", { [key("nodeCount")]: "0" }, /nodeCount is "0"; expected a whole number from 1 to 100/],
    ["negative nodeCount", { [key("nodeCount")]: "-2" }, /nodeCount is "-2"/],
    ["fractional nodeCount", { [key("nodeCount")]: "1.5" }, /nodeCount is "1.5"; expected a whole number/],
    ["networkPolicy none", { [key("networkPolicy")]: "none" }, /networkPolicy is "none"; expected one of azure, calico, cilium; without an engine every NetworkPolicy is silently ignored/],
    ["unknown networkPolicy", { [key("networkPolicy")]: "weave" }, /networkPolicy is "weave"; expected one of azure, calico, cilium/],
    ["malformed kubernetesVersion", { [key("kubernetesVersion")]: "v1.30" }, /kubernetesVersion is "v1.30"; expected MAJOR.MINOR/],
    ["malformed VM size", { [key("nodeVmSize")]: "B2s" }, /nodeVmSize is "B2s"; expected an Azure VM size/],
    ["empty image", { [key("pricesApiImage")]: "" }, /pricesApiImage is ""; expected a container image reference/],
    ["image with spaces", { [key("pricesApiImage")]: "prices api" }, /pricesApiImage is "prices api"/],
    ["bad probeImage", { [key("probeImage")]: "Curl Latest" }, /probeImage is "Curl Latest"; expected a container image reference such as a curl image with sh/],
    ["tiny OS disk", { [key("nodeOsDiskSizeGb")]: "8" }, /nodeOsDiskSizeGb is "8"; expected a whole number from 30 to 2048/],
    ["bad expiresAt", { [key("expiresAt")]: "next friday" }, /expiresAt is "next friday"; expected an ISO 8601 date/],
    ["impossible expiresAt", { [key("expiresAt")]: "2026-02-31" }, /expiresAt is "2026-02-31"; expected a real calendar date/],
    ["bad protect", { [key("protect")]: "yes" }, /protect is "yes"; expected true or false/],
    ["bad clusterMode", { [key("clusterMode")]: "eks" }, /clusterMode is "eks"; expected one of aks, existing/],
    ["caller without pod labels", { [key("allowedCallers")]: '[{"namespace":"critical-project","podLabels":{}}]' }, /allowedCallers\[0\]\.podLabels is \{\}; expected at least one pod label/],
    ["caller in a bad namespace", { [key("allowedCallers")]: '[{"namespace":"Critical_Project","podLabels":{"app":"x"}}]' }, /allowedCallers\[0\]\.namespace is "Critical_Project"/],
    ["caller in default", { [key("allowedCallers")]: '[{"namespace":"default","podLabels":{"app":"x"}}]' }, /allowedCallers\[0\]\.namespace is "default"; the stack creates \(and on destroy deletes\) each caller's namespace, so it cannot be one the cluster owns/],
    ["caller in kube-system", { [key("allowedCallers")]: '[{"namespace":"kube-system","podLabels":{"app":"x"}}]' }, /allowedCallers\[0\]\.namespace is "kube-system"; the stack creates/],
    [
      "caller labelled like prices-api",
      { [key("allowedCallers")]: '[{"namespace":"billing","podLabels":{"app":"prices-api","tier":"web"}}]' },
      /allowedCallers\[0\]\.podLabels is \{"app":"prices-api","tier":"web"\}; it matches app=prices-api, the selector of Service prices-api-service, so a pod with these labels \(verify's probe in pricing-ns among them\) would join the Service and receive prices-api's traffic; use labels that do not include app=prices-api/,
    ],
    ["deployerPrincipalId not an object id", { [key("deployerPrincipalId")]: "alice@example.com" }, /deployerPrincipalId is "alice@example.com"; expected an Entra object id \(a GUID\)/],
    ["localAccounts not a boolean", { [key("localAccounts")]: "yes" }, /localAccounts is "yes"; expected true or false/],
    [
      "localAccounts with a preview identity",
      { [key("localAccounts")]: "true", [key("previewPrincipalId")]: "bbbbbbbb-1111-2222-3333-444444444444" },
      /localAccounts is true; a cluster with local accounts has no Azure RBAC, so deployerPrincipalId and previewPrincipalId would grant nothing/,
    ],
    ["empty nodeVmSize", { [key("nodeVmSize")]: "" }, /nodeVmSize is ""; expected an Azure VM size such as Standard_B2s; remove the key to use the default Standard_B2s/],
    ["a 600-character value", { [key("dnsPrefix")]: "a".repeat(600) }, /dnsPrefix is "a{40}\.\.\."; expected at most 512 characters, got 600/],
    ["misspelt key (case)", { [key("nodecount")]: "3" }, /nodecount is "3"; no such key; did you mean nodeCount\? the keys are clusterMode, /],
    ["misspelt key (typo)", { [key("netwrokPolicy")]: "calico" }, /netwrokPolicy is "calico"; no such key; did you mean networkPolicy\?/],
    ["unknown key", { [key("replicas")]: "3" }, /replicas is "3"; no such key; the keys are /],
    ["a wrong project prefix", { "prices-api:networkPolicy": "none" }, /prices-api:networkPolicy: prices-api is neither this project \(prices-api-netpol\) nor a provider it uses, so nothing reads it; did you mean prices-api-netpol:networkPolicy\?/],
    ["a misspelt provider key", { "azure-native:locaton": "australiaeast" }, /azure-native:locaton: azure-native has no setting locaton; did you mean azure-native:location\?/],
  ];
  for (const [what, override, message] of cases) {
    it(`${what}: one clear error naming key, value and what is accepted; nothing created`, async () => {
      const { error, resources } = await runFailingProgram({ ...DEV_CONFIG, ...override });
      assert.match(error.message, message);
      assert.doesNotMatch(error.message, /\n\s+at /, "no stack trace in the message");
      assert.equal(error.name === "RunError" || error.constructor.name === "RunError", true, "a RunError, which Pulumi prints without a stack trace");
      assert.deepEqual(resources.filter((r) => r.type !== "pulumi:pulumi:Stack"), []);
    });
  }

  it("the AKS stack without a region says which key to set", async () => {
    const config = { ...DEV_CONFIG };
    delete config["azure-native:location"];
    const { error } = await runFailingProgram(config);
    assert.match(error.message, /azure-native:location is undefined; expected an Azure region such as australiaeast \(set it with `pulumi config set azure-native:location australiaeast`\)/);
  });

  it("the local stack without kubeContext never falls back to the current context, and lists the contexts there are", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubeconfig-"));
    const file = path.join(dir, "config");
    fs.writeFileSync(file, "apiVersion: v1\nkind: Config\ncontexts:\n- name: kind-netpol\n  context: {cluster: kind}\n- name: prod-aks\n  context: {cluster: prod}\nclusters: []\ncurrent-context: prod-aks\n");
    const saved = process.env.KUBECONFIG;
    process.env.KUBECONFIG = file;
    try {
      const { error, resources } = await runFailingProgram({ [key("clusterMode")]: "existing" }, "local");
      assert.match(error.message, /kubeContext is ""; expected the kubeconfig context to deploy to \(clusterMode existing never falls back to the current context\); set it with `pulumi config set kubeContext NAME`; your kubeconfig has kind-netpol, prod-aks/);
      assert.deepEqual(resources.filter((r) => r.type !== "pulumi:pulumi:Stack"), []);
    } finally {
      if (saved === undefined) delete process.env.KUBECONFIG;
      else process.env.KUBECONFIG = saved;
    }
  });

  it("several bad values are reported together", async () => {
    const { error } = await runFailingProgram({ ...DEV_CONFIG, [key("nodeCount")]: "0", [key("networkPolicy")]: "none" });
    assert.match(error.message, /nodeCount is "0"/);
    assert.match(error.message, /networkPolicy is "none"/);
  });
});

describe("preview warnings about the cluster", () => {
  const now = { networkPolicy: "azure", dnsPrefix: "policy-demo-dev", nodeVmSize: "Standard_B2s", nodeOsDiskSizeGb: 32 };

  it("says a networkPolicy or dnsPrefix change replaces the cluster, and a pool change is rejected in place", () => {
    assert.deepEqual(replacementWarnings({ ...now, networkPolicy: "calico" }, now), [
      'networkPolicy "calico" -> "azure": this replaces the AKS cluster (a new cluster, every Kubernetes object recreated, a new kubeconfig)',
    ]);
    const both = replacementWarnings({ ...now, nodeVmSize: "Standard_B4ms", nodeOsDiskSizeGb: 64, dnsPrefix: "old" }, now);
    assert.equal(both.length, 2);
    assert.match(both[0], /^dnsPrefix "old" -> "policy-demo-dev": this replaces the AKS cluster/);
    assert.match(both[1], /^nodeVmSize "Standard_B4ms" -> "Standard_B2s", nodeOsDiskSizeGb 64 -> 32: AKS rejects this change on a live cluster's system pool/);
  });

  it("says nothing on a first deployment, for unchanged settings, or for outputs it does not recognise", () => {
    for (const previous of [undefined, null, "x", {}, now, { other: 1 }]) assert.deepEqual(replacementWarnings(previous, now), [], JSON.stringify(previous));
  });

  it("the AKS stack reads its own last outputs and exports the settings the next preview compares", async () => {
    const run = await runProgram();
    const ref = run.resources.find((r) => r.type === "pulumi:pulumi:StackReference");
    assert.equal(ref?.inputs.name, "organization/prices-api-netpol/dev");
    assert.deepEqual(await valueOf(run.outputs.clusterSettings as pulumi.Input<unknown>), clusterSettings(validateConfig({ "azure-native:location": "australiaeast" }, "dev")));
  });

  it("names cilium as the migration path off Azure Network Policy Manager, once, and only for azure", () => {
    assert.deepEqual(clusterWarnings({ networkPolicy: "azure", localAccounts: false }), [AZURE_NPM_RETIREMENT_WARNING]);
    assert.match(AZURE_NPM_RETIREMENT_WARNING, /2026-09-30 and 2028-09-30.*networkPolicy cilium/);
    assert.deepEqual(clusterWarnings({ networkPolicy: "cilium", localAccounts: false }), []);
    assert.deepEqual(clusterWarnings({ networkPolicy: "calico", localAccounts: false }), []);
  });
});
