/**
 * The guardrails policy pack. Run from the project root with
 *   pulumi preview --policy-pack policy
 * Constructing the pack starts the policy analyzer server, so tests import ./policies instead.
 */
import { PolicyPack } from "@pulumi/policy";
import { POLICY_PACK_NAME, policies } from "./policies";

new PolicyPack(POLICY_PACK_NAME, { policies });
