/**
 * Wraps pure checks as Pulumi policies. A check sees plain props and returns messages; only this
 * file knows the shape of @pulumi/policy's callbacks, so the checks stay testable as functions.
 */
import type {
  EnforcementLevel,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import type { Props } from "./kube";

/** A check over one resource: every message is one violation, and says how to fix it. */
export type ResourceCheck = (type: string, props: Props, resourceName: string) => string[];

/** A resource of the stack as a stack check sees it. */
export interface StackResource {
  type: string;
  props: Props;
  name: string;
  urn: string;
}

/** A violation found by a stack check, attached to a resource when one is to blame. */
export interface StackFinding {
  message: string;
  urn?: string;
}

export type StackCheck = (resources: StackResource[]) => StackFinding[];

interface RuleInfo {
  name: string;
  description: string;
  enforcementLevel: EnforcementLevel;
  remediationSteps: string;
}

/** A ResourceValidationPolicy that keeps its pure check reachable for tests and docs. */
export type ResourceRule = ResourceValidationPolicy & { appliesTo: (type: string) => boolean; check: ResourceCheck };
export type StackRule = StackValidationPolicy & { check: StackCheck };

/** Builds a resource policy that runs `check` on every resource whose type `appliesTo` accepts. */
export function resourceRule(info: RuleInfo & { appliesTo: (type: string) => boolean; check: ResourceCheck }): ResourceRule {
  return {
    ...info,
    validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
      if (!info.appliesTo(args.type)) return;
      for (const message of info.check(args.type, args.props, args.name)) reportViolation(message);
    },
  };
}

/** Builds a stack policy that runs `check` over every resource of the stack. */
export function stackRule(info: RuleInfo & { check: StackCheck }): StackRule {
  return {
    ...info,
    validateStack: (args: StackValidationArgs, reportViolation: ReportViolation) => {
      const resources = args.resources.map((r) => ({ type: r.type, props: r.props, name: r.name, urn: r.urn }));
      for (const finding of info.check(resources)) reportViolation(finding.message, finding.urn);
    },
  };
}
