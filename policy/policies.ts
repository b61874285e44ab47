/** Every rule of the guardrails pack, in report order. Kept apart from index.ts, which starts the policy server. */
import type { Policies } from "@pulumi/policy";
import { aksLoadBalancerSku } from "./rules/aksLoadBalancerSku";
import { aksNetworkPolicy } from "./rules/aksNetworkPolicy";
import { containerPrivilege } from "./rules/containerPrivilege";
import { containerResources } from "./rules/containerResources";
import { defaultDenyIngress } from "./rules/defaultDenyIngress";
import { imagePinning } from "./rules/imagePinning";
import { networkPolicyAdvice, networkPolicyOrTrap } from "./rules/networkPolicyLint";
import { serviceExposure } from "./rules/serviceExposure";

export const POLICY_PACK_NAME = "prices-api-guardrails";

export const resourceRules = [aksNetworkPolicy, aksLoadBalancerSku, serviceExposure, containerResources, containerPrivilege, networkPolicyOrTrap, imagePinning, networkPolicyAdvice];
export const stackRules = [defaultDenyIngress];

export const policies: Policies = [...resourceRules, ...stackRules];
