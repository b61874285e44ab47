/**
 * Runs the Pulumi program (index.ts) in-process under pulumi.runtime.setMocks and records every
 * resource with its inputs and the options the program gave it.
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { aksKubeconfig } from "./kubeconfigFixtures";

export const PROJECT = "prices-api-netpol";

export interface RecordedResource {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  /** The options as the program passed them (captured by a stack transformation, not the mock). */
  opts: pulumi.CustomResourceOptions & pulumi.ComponentResourceOptions;
  /** The props as the program passed them, Outputs included (so secrecy can be checked). */
  props: Record<string, unknown>;
}

export interface ProgramRun {
  resources: RecordedResource[];
  invokes: Array<{ token: string; inputs: Record<string, unknown> }>;
  outputs: Record<string, unknown>;
  byType(type: string): RecordedResource[];
  one(type: string, name?: string): RecordedResource;
}

/** What the mocked AKS returns from listClusterUserCredential: an Entra ID cluster's exec kubeconfig (device code). */
export const KUBECONFIG_TEXT = aksKubeconfig({
  exec: { apiVersion: "client.authentication.k8s.io/v1beta1", command: "kubelogin", args: ["get-token", "--login", "devicecode", "--server-id", "6dae42f8-4368-4678-94ff-3960e28e3630"] },
});
/** Who the mocked azure-native provider says runs the program (getClientConfig). */
export const CLIENT = { objectId: "11111111-2222-3333-4444-555555555555", subscriptionId: "00000000-0000-0000-0000-000000000001", tenantId: "99999999-0000-0000-0000-000000000009", clientId: "aaaaaaaa-0000-0000-0000-00000000000a" };

/** The dev stack's config as `pulumi config` would hand it to the program. */
export const DEV_CONFIG: Record<string, string> = {
  "azure-native:location": "australiaeast",
  [`${PROJECT}:nodeCount`]: "1",
  [`${PROJECT}:nodeVmSize`]: "Standard_B2s",
  [`${PROJECT}:nodeOsDiskSizeGb`]: "32",
  [`${PROJECT}:networkPolicy`]: "azure",
  [`${PROJECT}:pricesApiImage`]: "rahulrai/prices-api:latest",
};

export const ENTRY = path.resolve(__dirname, "../../index.ts");

function clearProgramModules(): void {
  const root = path.resolve(__dirname, "../..");
  for (const key of Object.keys(require.cache)) {
    if (key.startsWith(root) && !key.includes(`${path.sep}node_modules${path.sep}`) && !key.includes(`${path.sep}tests${path.sep}`)) {
      delete require.cache[key];
    }
  }
}

/** Resolves any Output (or plain value) to its value. */
export function valueOf<T>(value: pulumi.Input<T> | undefined): Promise<T | undefined> {
  return new Promise((resolve) => pulumi.output(value).apply((v) => resolve(v as T)));
}

/**
 * Waits until every resource the program constructed has reached the mocks. Registration waits on
 * its inputs (the kubeconfig behind an invoke, for instance), so it finishes after the program returns.
 */
async function waitForRegistrations(constructed: () => string[], registered: () => Set<string>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const seen = registered();
    const missing = constructed().filter((key) => !seen.has(key));
    if (missing.length === 0) return;
    if (Date.now() > deadline) throw new Error(`resources never registered: ${missing.join(", ")}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Runs the program and expects it to fail; returns the error and whatever was registered anyway. */
export async function runFailingProgram(config: Record<string, string>, stack = "dev"): Promise<{ error: Error; resources: RecordedResource[] }> {
  const resources: RecordedResource[] = [];
  try {
    await runProgram(config, stack, resources);
  } catch (error) {
    return { error: error as Error, resources };
  }
  throw new Error("expected the program to fail, but it succeeded");
}

export async function runProgram(config: Record<string, string> = DEV_CONFIG, stack = "dev", resources: RecordedResource[] = []): Promise<ProgramRun> {
  const invokes: ProgramRun["invokes"] = [];
  const captured = new Map<string, { opts: RecordedResource["opts"]; props: Record<string, unknown> }>();
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const opts = captured.get(`${args.type}::${args.name}`);
        resources.push({ type: args.type, name: args.name, inputs: args.inputs, opts: opts?.opts ?? {}, props: opts?.props ?? {} });
        // Azure auto-names a resource from its logical name unless a physical name is given.
        const given = args.type === "azure-native:resources:ResourceGroup" ? args.inputs.resourceGroupName : args.inputs.resourceName;
        const physicalName = given ?? `${args.name}-physical`;
        // A stack that reads its own last outputs (AksCluster compares cluster settings): none yet.
        if (args.type === "pulumi:pulumi:StackReference") return { id: args.inputs.name, state: { name: args.inputs.name, outputs: {}, secretOutputNames: [] } };
        return { id: `${args.name}-id`, state: { ...args.inputs, name: args.type.startsWith("azure-native") ? physicalName : args.inputs.name } };
      },
      call(args) {
        invokes.push({ token: args.token, inputs: args.inputs });
        if (args.token === "azure-native:containerservice:listManagedClusterUserCredentials") {
          return { kubeconfigs: [{ name: "clusterUser", value: Buffer.from(KUBECONFIG_TEXT).toString("base64") }] };
        }
        if (args.token === "azure-native:authorization:getClientConfig") return CLIENT;
        return {};
      },
    },
    PROJECT,
    stack,
    false,
    "organization",
  );
  pulumi.runtime.setAllConfig(config);
  clearProgramModules();
  let program: Record<string, unknown> = {};
  // A stack resource must exist before a stack transformation can be registered.
  await pulumi.runtime.runInPulumiStack(async () => {
    pulumi.runtime.registerStackTransformation((args) => {
      captured.set(`${args.type}::${args.name}`, { opts: args.opts as RecordedResource["opts"], props: args.props as Record<string, unknown> });
      return undefined;
    });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    program = require(ENTRY) as Record<string, unknown>;
    return program;
  });
  await waitForRegistrations(
    () => [...captured.keys()],
    () => new Set(resources.map((r) => `${r.type}::${r.name}`)),
  );
  const outputs: Record<string, unknown> = { ...program };
  return {
    resources,
    invokes,
    outputs,
    byType: (type) => resources.filter((r) => r.type === type),
    one(type, name) {
      const matches = resources.filter((r) => r.type === type && (name === undefined || r.name === name));
      if (matches.length !== 1) throw new Error(`expected one ${type}${name ? ` named ${name}` : ""}, found ${matches.length}`);
      return matches[0];
    },
  };
}
