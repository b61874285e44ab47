/** Runs policies the way the Pulumi engine calls them, with hand-built args and no CLI. */
import type { PolicyResource, PolicyResourceOptions, ResourceValidationArgs, ResourceValidationPolicy, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { kubeTypeToken } from "../../policy/rules/kube";
import type { KubeObject } from "../../core/netpol/types";

/** A resource to validate: its Pulumi type token and props. */
export interface TestResource {
  type: string;
  props: Record<string, unknown>;
  name?: string;
}

const OPTS: PolicyResourceOptions = {
  protect: false,
  ignoreChanges: [],
  aliases: [],
  customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
  additionalSecretOutputs: [],
};

function urnOf(r: TestResource): string {
  return `urn:pulumi:test::prices-api-netpol::${r.type}::${r.name ?? "res"}`;
}

function notApplicable(reason?: string): never {
  throw new Error(`notApplicable: ${reason ?? ""}`);
}

/** Calls validateResource as the engine would and returns the violation messages it reported. */
export async function violations(policy: ResourceValidationPolicy, r: TestResource): Promise<string[]> {
  const reported: string[] = [];
  const args: ResourceValidationArgs = {
    type: r.type,
    props: r.props,
    urn: urnOf(r),
    name: r.name ?? "res",
    opts: OPTS,
    stackTags: new Map(),
    isType: () => false,
    asType: () => undefined,
    getConfig: <T extends object>() => ({}) as T,
    notApplicable,
  };
  const validations = Array.isArray(policy.validateResource) ? policy.validateResource : policy.validateResource ? [policy.validateResource] : [];
  for (const validate of validations) await validate(args, (message) => reported.push(message));
  return reported;
}

/** Calls validateStack over the resources and returns the violations with the URN each was attached to. */
export async function stackViolations(policy: StackValidationPolicy, resources: TestResource[]): Promise<Array<{ message: string; urn?: string }>> {
  const reported: Array<{ message: string; urn?: string }> = [];
  const policyResources: PolicyResource[] = resources.map((r) => ({
    type: r.type,
    props: r.props,
    urn: urnOf(r),
    name: r.name ?? "res",
    opts: OPTS,
    dependencies: [],
    propertyDependencies: {},
    isType: () => false,
    asType: () => undefined,
  }));
  const args: StackValidationArgs = {
    resources: policyResources,
    stackTags: new Map(),
    getConfig: <T extends object>() => ({}) as T,
    notApplicable,
  };
  await policy.validateStack(args, (message, urn) => reported.push({ message, urn }));
  return reported;
}

/** A plain Kubernetes object as the Pulumi resource the components register for it. */
export function kubeResource(object: KubeObject): TestResource {
  return { type: kubeTypeToken(object.apiVersion, object.kind), props: { ...object }, name: object.metadata.name };
}
