/**
 * The stack's configuration: its keys, defaults and validation. Pure (no Pulumi import), so the
 * Pulumi program, the CLI tools and the tests all read config through the same rules.
 */
import { closestWord, namespacedKeyProblem, PROJECT_NAME } from "./configKeys";
import { EARLIEST_EXPIRY_YEAR, expiryInstant } from "./expiry";
import type { Labels } from "./netpol/types";
import { CURL_IMAGE } from "./stack/checkCommands";
import { PRICES_API_LABELS, PRICES_API_SERVICE } from "./stack/names";

export const NETWORK_POLICY_ENGINES = ["azure", "calico", "cilium"] as const;
export type NetworkPolicyEngine = (typeof NETWORK_POLICY_ENGINES)[number];

export const CLUSTER_MODES = ["aks", "existing"] as const;
/** `aks` creates Azure resources; `existing` deploys the Kubernetes layer to the current kubeconfig context. */
export type ClusterMode = (typeof CLUSTER_MODES)[number];

/** A workload that may call prices-api: pods with `podLabels` in `namespace`. */
export interface AllowedCaller {
  namespace: string;
  /** Extra labels the namespace carries and the policy requires (the tutorial's `project=critical-project`). */
  namespaceLabels: Labels;
  podLabels: Labels;
}

export interface StackConfig {
  clusterMode: ClusterMode;
  /** Azure region; required in `aks` mode (config key `azure-native:location`). */
  location?: string;
  /** Physical resource-group name; when unset Pulumi auto-names it so stacks never collide. */
  resourceGroupName?: string;
  clusterName?: string;
  dnsPrefix: string;
  nodeCount: number;
  nodeVmSize: string;
  nodeOsDiskSizeGb: number;
  kubernetesVersion?: string;
  networkPolicy: NetworkPolicyEngine;
  pricesApiImage: string;
  /** The curl image of every probe: verify's pods and the tutorial's allow/deny checks. */
  probeImage: string;
  allowedCallers: AllowedCaller[];
  /** kubeconfig context for `existing` mode; the current context when unset. */
  kubeContext?: string;
  /** When a demo stack may be reaped (ISO 8601 date or date-time). */
  expiresAt?: string;
  /** Protect the resource group and cluster from deletion, and the stack from the reaper. */
  protect: boolean;
  /**
   * AKS only. false (the default): Entra ID with Azure RBAC and local accounts disabled, so no
   * shared admin credential exists. true: a throw-away demo's local accounts and Kubernetes RBAC.
   */
  localAccounts: boolean;
  /** Entra object id that gets RBAC Cluster Admin on the cluster; the identity running `pulumi up` when unset. */
  deployerPrincipalId?: string;
  /** Entra object id of the pull-request preview identity, which gets RBAC Reader on the cluster. */
  previewPrincipalId?: string;
}

/** The tutorial's single allowed caller. */
export const TUTORIAL_CALLER: AllowedCaller = {
  namespace: "critical-project",
  namespaceLabels: { project: "critical-project" },
  podLabels: { app: "prices-api-consumer" },
};

/** Declared defaults; Pulumi.yaml repeats them for `pulumi config` users (a test keeps the two in step). */
export const CONFIG_DEFAULTS = {
  clusterMode: "aks",
  nodeCount: 1,
  nodeVmSize: "Standard_B2s",
  nodeOsDiskSizeGb: 32,
  networkPolicy: "azure",
  pricesApiImage: "rahulrai/prices-api:latest",
  probeImage: CURL_IMAGE,
  protect: false,
  localAccounts: false,
} as const;

/** Raised for every bad config value, before any resource exists. Lists each problem on its own line. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(
      problems.length === 1
        ? `Invalid stack configuration: ${problems[0]}`
        : `Invalid stack configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`,
    );
    this.name = "ConfigError";
  }
}

/** Every key this project reads, besides `azure-native:location`. */
export const CONFIG_KEYS = [
  "clusterMode",
  "resourceGroupName",
  "clusterName",
  "dnsPrefix",
  "nodeCount",
  "nodeVmSize",
  "nodeOsDiskSizeGb",
  "kubernetesVersion",
  "networkPolicy",
  "pricesApiImage",
  "probeImage",
  "allowedCallers",
  "kubeContext",
  "expiresAt",
  "protect",
  "localAccounts",
  "deployerPrincipalId",
  "previewPrincipalId",
] as const;

/** Raw values by key without the project prefix, as strings (pulumi.Config) or typed (YAML). */
export type RawConfig = Record<string, unknown>;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const VM_SIZE = /^Standard_[A-Za-z0-9]+(_[A-Za-z0-9]+)*$/;
const K8S_VERSION = /^[1-9]\d*\.\d+(\.\d+)?$/;
const AZURE_LOCATION = /^[a-z][a-z0-9]*$/;
const RESOURCE_GROUP = /^[-\w.()]{0,89}[-\w()]$/;
const CLUSTER_NAME = /^[A-Za-z0-9][-_A-Za-z0-9]{0,61}[A-Za-z0-9]$/;
const DNS_PREFIX = /^[A-Za-z0-9][-A-Za-z0-9]{0,52}[A-Za-z0-9]$/;
// registry/path:tag or @digest; lowercase repository, no whitespace
const IMAGE_REF = /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*(:[\w][\w.-]{0,127})?(@sha256:[a-f0-9]{64})?$/;
const OBJECT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$/;

const show = (v: unknown): string => (typeof v === "string" ? JSON.stringify(v) : JSON.stringify(v) ?? String(v));

/** Checks one label map; returns problems prefixed with `where`. */
export function labelProblems(labels: unknown, where: string): string[] {
  if (labels === null || typeof labels !== "object" || Array.isArray(labels)) {
    return [`${where} is ${show(labels)}; expected a map of label key to value`];
  }
  const problems: string[] = [];
  for (const [key, value] of Object.entries(labels as Record<string, unknown>)) {
    const slash = key.lastIndexOf("/");
    const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
    const name = slash >= 0 ? key.slice(slash + 1) : key;
    if ((prefix !== undefined && (!DNS_SUBDOMAIN.test(prefix) || prefix.length > 253)) || name.length > 63 || !LABEL_NAME.test(name)) {
      problems.push(`${where} has label key ${show(key)}; expected [prefix/]name, name of at most 63 alphanumerics, '-', '_' or '.'`);
    }
    if (typeof value !== "string" || value.length > 63 || (value !== "" && !LABEL_NAME.test(value))) {
      problems.push(`${where}.${key} is ${show(value)}; expected a label value: at most 63 alphanumerics, '-', '_' or '.', starting and ending alphanumeric`);
    }
  }
  return problems;
}

/** No setting of this stack needs more; a longer value is a paste gone wrong, or an attack. */
const MAX_STRING_LENGTH = 512;

/** Namespaces the cluster owns or the stack already owns: a caller namespace is created and deleted by the stack. */
const RESERVED_CALLER_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"];

class Reader {
  readonly problems: string[] = [];
  constructor(readonly raw: RawConfig) {}

  private present(key: string): unknown {
    // Own keys only: a `__proto__` key in a stack file must not supply every other key.
    const v = Object.hasOwn(this.raw, key) ? this.raw[key] : undefined;
    return v === undefined || v === null ? undefined : v;
  }

  fail(key: string, value: unknown, accepted: string): void {
    this.problems.push(`${key} is ${show(value)}; ${accepted}`);
  }

  /** An optional string: unset and "" (Pulumi.yaml's default for optional keys) both mean absent. */
  string(key: string, pattern: RegExp, accepted: string): string | undefined {
    const v = this.present(key);
    if (v === undefined || v === "") return undefined;
    if (typeof v === "string" && v.length > MAX_STRING_LENGTH) {
      this.fail(key, `${v.slice(0, 40)}...`, `expected at most ${MAX_STRING_LENGTH} characters, got ${v.length}`);
      return undefined;
    }
    if (typeof v !== "string" || !pattern.test(v)) {
      this.fail(key, v, accepted);
      return undefined;
    }
    return v;
  }

  choice<T extends string>(key: string, allowed: readonly T[], fallback: T, extra = ""): T {
    const v = this.present(key);
    if (v === undefined) return fallback;
    if (typeof v !== "string" || !(allowed as readonly string[]).includes(v)) {
      this.fail(key, v, `expected one of ${allowed.join(", ")}${extra}`);
      return fallback;
    }
    return v as T;
  }

  integer(key: string, min: number, max: number, fallback: number): number {
    const v = this.present(key);
    if (v === undefined) return fallback;
    const n = typeof v === "number" ? v : typeof v === "string" && /^-?\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : NaN;
    if (!Number.isInteger(n) || n < min || n > max) {
      this.fail(key, v, `expected a whole number from ${min} to ${max}`);
      return fallback;
    }
    return n;
  }

  boolean(key: string, fallback: boolean): boolean {
    const v = this.present(key);
    if (v === undefined) return fallback;
    if (v === true || v === "true") return true;
    if (v === false || v === "false") return false;
    this.fail(key, v, "expected true or false");
    return fallback;
  }

  object(key: string): unknown {
    const v = this.present(key);
    if (typeof v !== "string") return v;
    try {
      return JSON.parse(v);
    } catch {
      this.fail(key, v, "expected a YAML list (or JSON) of {namespace, namespaceLabels, podLabels}");
      return undefined;
    }
  }
}

/** Whether a matchLabels selector selects a pod with these labels. */
const selects = (selector: Readonly<Labels>, labels: Labels) => Object.entries(selector).every(([k, v]) => Object.hasOwn(labels, k) && labels[k] === v);

function readCallers(r: Reader, value: unknown): AllowedCaller[] {
  if (value === undefined) return [TUTORIAL_CALLER];
  if (!Array.isArray(value) || value.length === 0) {
    r.fail("allowedCallers", value, "expected a non-empty list of {namespace, namespaceLabels, podLabels}");
    return [];
  }
  const callers: AllowedCaller[] = [];
  value.forEach((entry: unknown, i) => {
    const where = `allowedCallers[${i}]`;
    if (entry === null || typeof entry !== "object" || Array.isArray(entry)) {
      r.fail(where, entry, "expected {namespace, namespaceLabels, podLabels}");
      return;
    }
    const { namespace, namespaceLabels = {}, podLabels, ...rest } = entry as Record<string, unknown>;
    const before = r.problems.length;
    for (const unknownKey of Object.keys(rest)) {
      r.fail(`${where}.${unknownKey}`, rest[unknownKey], "unknown field; expected namespace, namespaceLabels or podLabels");
    }
    if (typeof namespace !== "string" || namespace.length > 63 || !DNS_LABEL.test(namespace)) {
      r.fail(`${where}.namespace`, namespace, "expected a namespace name (lowercase alphanumerics and '-', at most 63)");
    } else if (namespace === PRICING_NAMESPACE_NAME) {
      r.fail(`${where}.namespace`, namespace, `callers must run outside ${PRICING_NAMESPACE_NAME}, which is closed by default-deny`);
    } else if (RESERVED_CALLER_NAMESPACES.includes(namespace)) {
      r.fail(`${where}.namespace`, namespace, `the stack creates (and on destroy deletes) each caller's namespace, so it cannot be one the cluster owns (${RESERVED_CALLER_NAMESPACES.join(", ")})`);
    }
    r.problems.push(...labelProblems(namespaceLabels, `${where}.namespaceLabels`));
    if (podLabels === null || typeof podLabels !== "object" || Object.keys(podLabels).length === 0) {
      r.fail(`${where}.podLabels`, podLabels, "expected at least one pod label; an empty selector would admit every pod of the namespace");
    } else {
      r.problems.push(...labelProblems(podLabels, `${where}.podLabels`));
      if (selects(PRICES_API_LABELS, podLabels as Labels)) {
        const selector = Object.entries(PRICES_API_LABELS).map(([k, v]) => `${k}=${v}`).join(",");
        r.fail(
          `${where}.podLabels`,
          podLabels,
          `it matches ${selector}, the selector of Service ${PRICES_API_SERVICE}, so a pod with these labels (verify's probe in ${PRICING_NAMESPACE_NAME} among them) ` +
            `would join the Service and receive prices-api's traffic; use labels that do not include ${selector}`,
        );
      }
    }
    if (r.problems.length === before) {
      callers.push({ namespace: namespace as string, namespaceLabels: namespaceLabels as Labels, podLabels: podLabels as Labels });
    }
  });
  const seen = new Map<string, string>();
  for (const c of callers) {
    const labels = JSON.stringify(Object.entries(c.namespaceLabels).sort());
    const previous = seen.get(c.namespace);
    if (previous !== undefined && previous !== labels) {
      r.fail("allowedCallers", c.namespace, "gives one namespace two different namespaceLabels; use the same labels for every caller in a namespace");
    }
    seen.set(c.namespace, labels);
  }
  return callers;
}

/** The namespace of prices-api, fixed by the tutorial (DNS names and commands depend on it). */
export const PRICING_NAMESPACE_NAME = "pricing-ns";

/**
 * Validates raw config and returns the typed, defaulted config. Throws one ConfigError naming
 * every bad key, its value and what is accepted.
 * @param raw keys of this project (without the `project:` prefix), plus `azure-native:location`.
 * @param stack stack name, used for the default DNS prefix.
 */
/** What the caller knows beyond the raw values, for better messages. */
export interface ValidationContext {
  /** Contexts of the user's kubeconfig, listed when `kubeContext` is missing (read only then). */
  kubeContexts?: () => readonly string[];
}

/** The known key closest to a misspelt one: the same ignoring case, else within 3 edits. */
function closestKey(key: string): string | undefined {
  return closestWord(key, CONFIG_KEYS);
}

export function validateConfig(raw: RawConfig, stack: string, context: ValidationContext = {}): StackConfig {
  const r = new Reader(raw);
  // Keys of this project's namespace arrive without the prefix; another namespace keeps its own.
  for (const key of Object.keys(raw)) {
    if (key.includes(":")) {
      const problem = namespacedKeyProblem(key, PROJECT_NAME, CONFIG_KEYS);
      if (problem) r.problems.push(problem);
      continue;
    }
    if ((CONFIG_KEYS as readonly string[]).includes(key)) continue;
    const guess = closestKey(key);
    r.fail(key, raw[key], `${guess ? `no such key; did you mean ${guess}? ` : "no such key; "}the keys are ${CONFIG_KEYS.join(", ")}`);
  }
  const clusterMode = r.choice("clusterMode", CLUSTER_MODES, CONFIG_DEFAULTS.clusterMode);
  const networkPolicyRaw = raw["networkPolicy"];
  const networkPolicy =
    networkPolicyRaw === "none"
      ? (r.fail(
          "networkPolicy",
          "none",
          `expected one of ${NETWORK_POLICY_ENGINES.join(", ")}; without an engine every NetworkPolicy is silently ignored`,
        ),
        CONFIG_DEFAULTS.networkPolicy)
      : r.choice("networkPolicy", NETWORK_POLICY_ENGINES, CONFIG_DEFAULTS.networkPolicy);
  const location = r.string("azure-native:location", AZURE_LOCATION, "expected an Azure region name such as australiaeast");
  if (clusterMode === "aks" && location === undefined && r.problems.every((p) => !p.startsWith("azure-native:location"))) {
    r.fail("azure-native:location", raw["azure-native:location"], "expected an Azure region such as australiaeast (set it with `pulumi config set azure-native:location australiaeast`)");
  }
  const dnsPrefixDefault = `policy-demo-${stack}`.replace(/[^A-Za-z0-9-]/g, "-").replace(/-+$/, "").slice(0, 54);
  const config: StackConfig = {
    clusterMode,
    location,
    resourceGroupName: r.string("resourceGroupName", RESOURCE_GROUP, "expected 1-90 letters, digits, '_', '-', '.', '(' or ')', not ending in '.'"),
    clusterName: r.string("clusterName", CLUSTER_NAME, "expected 2-63 letters, digits, '-' or '_', starting and ending alphanumeric"),
    dnsPrefix: r.string("dnsPrefix", DNS_PREFIX, "expected 2-54 letters, digits or '-', starting and ending alphanumeric") ?? dnsPrefixDefault,
    nodeCount: r.integer("nodeCount", 1, 100, CONFIG_DEFAULTS.nodeCount),
    nodeVmSize: readVmSize(r, raw["nodeVmSize"]),
    nodeOsDiskSizeGb: r.integer("nodeOsDiskSizeGb", 30, 2048, CONFIG_DEFAULTS.nodeOsDiskSizeGb),
    kubernetesVersion: r.string("kubernetesVersion", K8S_VERSION, "expected MAJOR.MINOR or MAJOR.MINOR.PATCH such as 1.33 or 1.33.2"),
    networkPolicy,
    pricesApiImage: readImage(r, "pricesApiImage", "rahulrai/prices-api:1.0 or registry.example.com/prices-api@sha256:<digest>"),
    probeImage: readImage(r, "probeImage", `a curl image with sh, such as ${CURL_IMAGE}`),
    allowedCallers: readCallers(r, r.object("allowedCallers")),
    kubeContext: r.string("kubeContext", /^\S+$/, "expected a kubeconfig context name"),
    expiresAt: readExpiry(r),
    protect: r.boolean("protect", CONFIG_DEFAULTS.protect),
    localAccounts: r.boolean("localAccounts", CONFIG_DEFAULTS.localAccounts),
    deployerPrincipalId: r.string("deployerPrincipalId", OBJECT_ID, "expected an Entra object id (a GUID), such as the output of `az ad sp show --id <appId> --query id -o tsv`"),
    previewPrincipalId: r.string("previewPrincipalId", OBJECT_ID, "expected an Entra object id (a GUID), such as the output of `az ad sp show --id <appId> --query id -o tsv`"),
  };
  if (config.localAccounts && (config.deployerPrincipalId || config.previewPrincipalId)) {
    r.fail(
      "localAccounts",
      true,
      "a cluster with local accounts has no Azure RBAC, so deployerPrincipalId and previewPrincipalId would grant nothing; remove them, or set localAccounts false",
    );
  }
  if (clusterMode === "existing" && config.kubeContext === undefined && r.problems.every((p) => !p.startsWith("kubeContext"))) {
    // The current context is whatever the user last switched to, production included: never a default.
    const contexts = context.kubeContexts?.();
    r.fail(
      "kubeContext",
      raw["kubeContext"] ?? "",
      "expected the kubeconfig context to deploy to (clusterMode existing never falls back to the current context); " +
        `set it with \`pulumi config set kubeContext NAME\`${contexts ? `; your kubeconfig has ${contexts.length > 0 ? contexts.join(", ") : "no contexts"}` : ""}`,
    );
  }
  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return config;
}

function readVmSize(r: Reader, raw: unknown): string {
  // Pulumi.yaml's default is Standard_B2s, so an empty value was set on purpose: say so rather than guess.
  if (raw === "") {
    r.fail("nodeVmSize", raw, `expected an Azure VM size such as Standard_B2s; remove the key to use the default ${CONFIG_DEFAULTS.nodeVmSize}`);
    return CONFIG_DEFAULTS.nodeVmSize;
  }
  return r.string("nodeVmSize", VM_SIZE, "expected an Azure VM size such as Standard_B2s or Standard_D2s_v5") ?? CONFIG_DEFAULTS.nodeVmSize;
}

function readImage(r: Reader, key: "pricesApiImage" | "probeImage", example: string): string {
  const raw = Object.hasOwn(r.raw, key) ? r.raw[key] : undefined;
  if (raw === undefined || raw === null) return CONFIG_DEFAULTS[key];
  if (typeof raw !== "string" || !IMAGE_REF.test(raw)) {
    r.fail(key, raw, `expected a container image reference such as ${example}`);
    return CONFIG_DEFAULTS[key];
  }
  return raw;
}

function readExpiry(r: Reader): string | undefined {
  const value = r.string("expiresAt", ISO_DATE, "expected an ISO 8601 date such as 2026-12-31 or 2026-12-31T18:00:00Z");
  // Date.parse would roll 2026-02-31 over to March; a typo must not silently move an expiry.
  if (value !== undefined && expiryInstant(value) === undefined) {
    r.fail("expiresAt", value, `expected a real calendar date from ${EARLIEST_EXPIRY_YEAR} on, such as 2026-12-31`);
    return undefined;
  }
  return value;
}
