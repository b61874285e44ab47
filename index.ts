/**
 * Composition root: read and validate config, prove the access policy matches its intent,
 * then build the components and export what users need.
 */
import * as pulumi from "@pulumi/pulumi";
import { resourceGroupTags } from "./core/stack/cluster";
import { AKS_COMPONENT_NAME, stackObjects } from "./core/stack";
import { stackIntent } from "./core/intent";
import { assertIntent, IntentViolationError } from "./core/intentGate";
import { checkDescriptions } from "./core/stack/checkCommands";
import { AksCluster } from "./components/aksCluster";
import { ExistingCluster } from "./components/existingCluster";
import { PricesApi } from "./components/pricesApi";
import { AccessPolicy } from "./components/accessPolicy";
import { loadStackConfig } from "./components/stackConfig";

const config = loadStackConfig();

// Before any resource exists: fail the preview when the policies grant more or less than intended.
try {
  assertIntent(stackObjects(config), stackIntent(config));
} catch (err) {
  if (err instanceof IntentViolationError) throw new pulumi.RunError(err.message);
  throw err;
}

const aks =
  config.clusterMode === "aks"
    ? new AksCluster(AKS_COMPONENT_NAME, {
        config,
        location: config.location!,
        tags: resourceGroupTags(config, pulumi.getStack(), pulumi.getProject()),
      })
    : undefined;
const target = aks ?? new ExistingCluster("existing-cluster", { context: config.kubeContext });
const kubernetes = { provider: target.provider, deletedWith: aks?.cluster };

const pricesApi = new PricesApi("prices-api", { ...kubernetes, image: config.pricesApiImage });
new AccessPolicy("access-policy", { ...kubernetes, allowedCallers: config.allowedCallers, pricingNamespace: pricesApi.namespace });

// What `npm run check -- allow|deny` proves; the command builds its kubectl call from config, never from these.
const checks = checkDescriptions(config);

// Only what this kind of stack has: a local stack has no Azure names and no kubeconfig output.
const outputs = {
  resourceGroupName: aks?.resourceGroup.name,
  clusterName: aks?.cluster.name,
  clusterSettings: aks?.settings,
  kubeconfig: aks?.kubeconfig,
  pricesApiUrl: pricesApi.url,
  allowCheck: checks.allow,
  denyCheck: checks.deny,
  expiresAt: config.expiresAt,
  // Always exported: the reaper reads it from the state when its checkout lacks the stack file.
  protect: config.protect,
};
export = Object.fromEntries(Object.entries(outputs).filter(([, value]) => value !== undefined));
