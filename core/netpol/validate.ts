import { ErrorContext, show } from "./errors";
import { cidrStrictlyInside, parseCIDR, parseIP } from "./ip";
import { PROTOCOLS } from "./ports";
import type {
  ContainerPort,
  IPBlock,
  LabelSelector,
  LabelSelectorRequirement,
  Labels,
  NetworkPolicy,
  NetworkPolicyEgressRule,
  NetworkPolicyIngressRule,
  NetworkPolicyPeer,
  NetworkPolicyPort,
  NetworkPolicySpec,
  PolicyType,
  Protocol,
  SelectorOperator,
} from "./types";

/*
 * Validation mirrors the API server's (k8s.io/kubernetes pkg/apis/networking/validation
 * and metav1 label-selector validation), plus strict decoding of unknown fields in
 * NetworkPolicy specs: a typo such as `podselector` would otherwise silently widen a
 * policy. Each function returns the typed value it checked.
 */

type Raw = Record<string, unknown>;

export function isMapping(v: unknown): v is Raw {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function at(base: string, field: string): string {
  if (!base) return field;
  return field.startsWith("[") ? `${base}${field}` : `${base}.${field}`;
}

function mapping(ctx: ErrorContext, v: unknown, path: string): Raw {
  if (!isMapping(v)) ctx.fail(path, `must be a mapping, got ${show(v)}`);
  return v;
}

function list(ctx: ErrorContext, v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) ctx.fail(path, `must be a list, got ${show(v)}`);
  return v;
}

function noUnknownFields(ctx: ErrorContext, v: Raw, path: string, allowed: readonly string[]): void {
  for (const k of Object.keys(v)) {
    if (!allowed.includes(k)) ctx.fail(at(path, k), `unknown field "${k}" (expected one of ${allowed.join(", ")})`);
  }
}

/** null and absent mean the same in Kubernetes JSON. */
function present(v: unknown): boolean {
  return v !== undefined && v !== null;
}

const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Kubernetes qualified name: optional DNS-subdomain prefix, then a name of at most 63 characters. */
export function labelKeyProblem(key: string): string | undefined {
  const slash = key.lastIndexOf("/");
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length === 0 || prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix))) {
    return `label key prefix "${prefix}" must be a lowercase DNS subdomain`;
  }
  if (name.length === 0 || name.length > 63 || !LABEL_NAME.test(name)) {
    return `label key "${key}" must be at most 63 alphanumeric characters, '-', '_' or '.', starting and ending alphanumeric`;
  }
  return undefined;
}

export function labelValueProblem(value: string): string | undefined {
  if (value.length > 63 || (value.length > 0 && !LABEL_NAME.test(value))) {
    return `label value "${value}" must be empty or at most 63 alphanumeric characters, '-', '_' or '.', starting and ending alphanumeric`;
  }
  return undefined;
}

export function validateLabels(ctx: ErrorContext, v: unknown, path: string): Labels {
  if (!present(v)) return {};
  const m = mapping(ctx, v, path);
  const out: Labels = {};
  for (const [k, val] of Object.entries(m)) {
    const keyProblem = labelKeyProblem(k);
    if (keyProblem) ctx.fail(at(path, k), keyProblem);
    if (typeof val !== "string") ctx.fail(at(path, k), `label value must be a string, got ${show(val)}`);
    const valueProblem = labelValueProblem(val);
    if (valueProblem) ctx.fail(at(path, k), valueProblem);
    out[k] = val;
  }
  return out;
}

const OPERATORS: readonly SelectorOperator[] = ["In", "NotIn", "Exists", "DoesNotExist"];

function validateRequirement(ctx: ErrorContext, v: unknown, path: string): LabelSelectorRequirement {
  const m = mapping(ctx, v, path);
  noUnknownFields(ctx, m, path, ["key", "operator", "values"]);
  if (typeof m.key !== "string") ctx.fail(at(path, "key"), `must be a label key string, got ${show(m.key)}`);
  const keyProblem = labelKeyProblem(m.key);
  if (keyProblem) ctx.fail(at(path, "key"), keyProblem);
  const op = m.operator;
  if (typeof op !== "string" || !OPERATORS.includes(op as SelectorOperator)) {
    ctx.fail(at(path, "operator"), `invalid operator ${show(op)} (must be one of ${OPERATORS.join(", ")})`);
  }
  const values = present(m.values) ? list(ctx, m.values, at(path, "values")) : [];
  values.forEach((val, i) => {
    if (typeof val !== "string") ctx.fail(at(path, `values[${i}]`), `must be a string, got ${show(val)}`);
    const problem = labelValueProblem(val);
    if (problem) ctx.fail(at(path, `values[${i}]`), problem);
  });
  if ((op === "In" || op === "NotIn") && values.length === 0) {
    ctx.fail(at(path, "values"), `operator ${op} requires at least one value`);
  }
  if ((op === "Exists" || op === "DoesNotExist") && values.length > 0) {
    ctx.fail(at(path, "values"), `operator ${op} must not have values`);
  }
  const req: LabelSelectorRequirement = { key: m.key, operator: op as SelectorOperator };
  if (values.length > 0) req.values = values as string[];
  return req;
}

export function validateSelector(ctx: ErrorContext, v: unknown, path: string): LabelSelector {
  const m = mapping(ctx, v, path);
  noUnknownFields(ctx, m, path, ["matchLabels", "matchExpressions"]);
  const sel: LabelSelector = {};
  if (present(m.matchLabels)) sel.matchLabels = validateLabels(ctx, m.matchLabels, at(path, "matchLabels"));
  if (present(m.matchExpressions)) {
    sel.matchExpressions = list(ctx, m.matchExpressions, at(path, "matchExpressions")).map((r, i) =>
      validateRequirement(ctx, r, at(path, `matchExpressions[${i}]`)),
    );
  }
  return sel;
}

function validateIPBlock(ctx: ErrorContext, v: unknown, path: string): IPBlock {
  const m = mapping(ctx, v, path);
  noUnknownFields(ctx, m, path, ["cidr", "except"]);
  if (typeof m.cidr !== "string" || m.cidr.length === 0) ctx.fail(at(path, "cidr"), `cidr is required, got ${show(m.cidr)}`);
  const cidr = parseCIDR(m.cidr);
  if (!cidr) ctx.fail(at(path, "cidr"), `invalid CIDR ${show(m.cidr)} (expected e.g. 10.0.0.0/16 or fd00::/64)`);
  const block: IPBlock = { cidr: m.cidr };
  if (present(m.except)) {
    block.except = list(ctx, m.except, at(path, "except")).map((e, i) => {
      const p = at(path, `except[${i}]`);
      const c = typeof e === "string" ? parseCIDR(e) : undefined;
      if (!c) ctx.fail(p, `invalid CIDR ${show(e)}`);
      if (!cidrStrictlyInside(c, cidr)) ctx.fail(p, `${show(e)} must be a strict subset of cidr ${m.cidr}`);
      return e as string;
    });
  }
  return block;
}

function validatePeer(ctx: ErrorContext, v: unknown, path: string): NetworkPolicyPeer {
  const m = mapping(ctx, v, path);
  noUnknownFields(ctx, m, path, ["podSelector", "namespaceSelector", "ipBlock"]);
  const peer: NetworkPolicyPeer = {};
  if (present(m.podSelector)) peer.podSelector = validateSelector(ctx, m.podSelector, at(path, "podSelector"));
  if (present(m.namespaceSelector)) peer.namespaceSelector = validateSelector(ctx, m.namespaceSelector, at(path, "namespaceSelector"));
  if (present(m.ipBlock)) {
    if (peer.podSelector || peer.namespaceSelector) {
      ctx.fail(at(path, "ipBlock"), "ipBlock may not be combined with podSelector or namespaceSelector in one peer");
    }
    peer.ipBlock = validateIPBlock(ctx, m.ipBlock, at(path, "ipBlock"));
  }
  if (!peer.podSelector && !peer.namespaceSelector && !peer.ipBlock) {
    ctx.fail(path, "a peer must specify podSelector, namespaceSelector or ipBlock");
  }
  return peer;
}

const IANA_SVC_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

/** Port names follow IANA_SVC_NAME: ≤15 lowercase alphanumerics or '-', with a letter, no "--". */
export function portNameProblem(name: string): string | undefined {
  if (name.length === 0 || name.length > 15 || !IANA_SVC_NAME.test(name) || name.includes("--") || !/[a-z]/.test(name)) {
    return `invalid port name "${name}" (at most 15 lowercase letters, digits or '-', with at least one letter, no leading, trailing or double '-')`;
  }
  return undefined;
}

function validatePortNumber(ctx: ErrorContext, v: unknown, path: string): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > 65535) {
    ctx.fail(path, `port out of range: ${show(v)} (must be an integer between 1 and 65535)`);
  }
  return v;
}

function validateProtocol(ctx: ErrorContext, v: unknown, path: string): Protocol | undefined {
  if (!present(v)) return undefined;
  if (typeof v !== "string" || !PROTOCOLS.includes(v as Protocol)) {
    ctx.fail(path, `unknown protocol ${show(v)} (must be one of ${PROTOCOLS.join(", ")})`);
  }
  return v as Protocol;
}

function validatePolicyPort(ctx: ErrorContext, v: unknown, path: string): NetworkPolicyPort {
  const m = mapping(ctx, v, path);
  noUnknownFields(ctx, m, path, ["protocol", "port", "endPort"]);
  const out: NetworkPolicyPort = {};
  const protocol = validateProtocol(ctx, m.protocol, at(path, "protocol"));
  if (protocol) out.protocol = protocol;
  if (present(m.port)) {
    if (typeof m.port === "string") {
      const problem = portNameProblem(m.port);
      if (problem) ctx.fail(at(path, "port"), problem);
      out.port = m.port;
    } else {
      out.port = validatePortNumber(ctx, m.port, at(path, "port"));
    }
  }
  if (present(m.endPort)) {
    const end = validatePortNumber(ctx, m.endPort, at(path, "endPort"));
    if (out.port === undefined) ctx.fail(at(path, "endPort"), "endPort requires port");
    if (typeof out.port === "string") ctx.fail(at(path, "endPort"), `endPort may not be used with the named port "${out.port}"`);
    if (end < out.port) ctx.fail(at(path, "endPort"), `endPort ${end} must be greater than or equal to port ${out.port}`);
    out.endPort = end;
  }
  return out;
}

function validateRule(
  ctx: ErrorContext,
  v: unknown,
  path: string,
  peersKey: "from" | "to",
): { peers?: NetworkPolicyPeer[]; ports?: NetworkPolicyPort[] } {
  // `- {}` and a YAML `- ` (null) are both the allow-everything rule.
  if (v === null) return {};
  const m = mapping(ctx, v, path);
  noUnknownFields(ctx, m, path, [peersKey, "ports"]);
  const out: { peers?: NetworkPolicyPeer[]; ports?: NetworkPolicyPort[] } = {};
  if (present(m[peersKey])) {
    out.peers = list(ctx, m[peersKey], at(path, peersKey)).map((p, i) => validatePeer(ctx, p, at(path, `${peersKey}[${i}]`)));
  }
  if (present(m.ports)) {
    out.ports = list(ctx, m.ports, at(path, "ports")).map((p, i) => validatePolicyPort(ctx, p, at(path, `ports[${i}]`)));
  }
  return out;
}

const POLICY_TYPES: readonly PolicyType[] = ["Ingress", "Egress"];

function validateSpec(ctx: ErrorContext, v: unknown, path: string): NetworkPolicySpec {
  // A NetworkPolicy without spec is legal: it selects every pod and isolates its ingress.
  const m = present(v) ? mapping(ctx, v, path) : {};
  noUnknownFields(ctx, m, path, ["podSelector", "policyTypes", "ingress", "egress"]);
  const spec: NetworkPolicySpec = {
    podSelector: present(m.podSelector) ? validateSelector(ctx, m.podSelector, at(path, "podSelector")) : {},
  };
  if (present(m.policyTypes)) {
    const types = list(ctx, m.policyTypes, at(path, "policyTypes"));
    if (types.length > POLICY_TYPES.length) ctx.fail(at(path, "policyTypes"), `at most ${POLICY_TYPES.length} policyTypes may be listed`);
    spec.policyTypes = types.map((t, i) => {
      if (typeof t !== "string" || !POLICY_TYPES.includes(t as PolicyType)) {
        ctx.fail(at(path, `policyTypes[${i}]`), `invalid policyTypes value ${show(t)} (must be Ingress or Egress)`);
      }
      return t as PolicyType;
    });
  }
  if (present(m.ingress)) {
    spec.ingress = list(ctx, m.ingress, at(path, "ingress")).map((r, i) => {
      const rule = validateRule(ctx, r, at(path, `ingress[${i}]`), "from");
      const out: NetworkPolicyIngressRule = {};
      if (rule.peers) out.from = rule.peers;
      if (rule.ports) out.ports = rule.ports;
      return out;
    });
  }
  if (present(m.egress)) {
    spec.egress = list(ctx, m.egress, at(path, "egress")).map((r, i) => {
      const rule = validateRule(ctx, r, at(path, `egress[${i}]`), "to");
      const out: NetworkPolicyEgressRule = {};
      if (rule.peers) out.to = rule.peers;
      if (rule.ports) out.ports = rule.ports;
      return out;
    });
  }
  return spec;
}

/** Namespace names are RFC 1123 labels; other object names are subdomains (DNS1123_SUBDOMAIN). */
const NAMESPACE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** metadata.name (required) and metadata.namespace / labels, validated. */
export function validateMetadata(ctx: ErrorContext, obj: Raw): { name: string; namespace?: string; labels: Labels } {
  const meta = present(obj.metadata) ? mapping(ctx, obj.metadata, "metadata") : undefined;
  if (!meta || typeof meta.name !== "string" || meta.name.length === 0) {
    ctx.fail("metadata.name", `metadata.name is required (got ${show(meta?.name)})`);
  }
  // The API server refuses other names; refusing them here keeps crafted names (markup, line
  // breaks) out of every report, the PR comment included.
  const nameRule = obj.kind === "Namespace" ? NAMESPACE_NAME : DNS1123_SUBDOMAIN;
  if (meta.name.length > (obj.kind === "Namespace" ? 63 : 253) || !nameRule.test(meta.name)) {
    ctx.fail("metadata.name", `${show(meta.name)} is not a valid ${obj.kind === "Namespace" ? "namespace" : "object"} name (lowercase letters, digits, '-'${obj.kind === "Namespace" ? "" : " and '.'"}, starting and ending alphanumeric)`);
  }
  if (typeof meta.namespace === "string" && meta.namespace !== "" && (meta.namespace.length > 63 || !NAMESPACE_NAME.test(meta.namespace))) {
    ctx.fail("metadata.namespace", `${show(meta.namespace)} is not a valid namespace name (lowercase letters, digits and '-', starting and ending alphanumeric)`);
  }
  const out: { name: string; namespace?: string; labels: Labels } = {
    name: meta.name,
    labels: validateLabels(ctx, meta.labels, "metadata.labels"),
  };
  if (present(meta.namespace)) {
    if (typeof meta.namespace !== "string") ctx.fail("metadata.namespace", `must be a string, got ${show(meta.namespace)}`);
    if (meta.namespace) out.namespace = meta.namespace;
  }
  return out;
}

/** A NetworkPolicy object, validated and normalised (nulls dropped, spec defaulted). */
export function validateNetworkPolicy(ctx: ErrorContext, obj: Raw): NetworkPolicy {
  const meta = validateMetadata(ctx, obj);
  const policy: NetworkPolicy = {
    apiVersion: typeof obj.apiVersion === "string" ? obj.apiVersion : "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: meta.name, ...(meta.namespace ? { namespace: meta.namespace } : {}), labels: meta.labels },
    spec: validateSpec(ctx, obj.spec, "spec"),
  };
  return policy;
}

/** The declared ports of a pod spec's containers (path points at the pod spec). */
export function validateContainerPorts(ctx: ErrorContext, podSpec: unknown, path: string): ContainerPort[] {
  if (!present(podSpec)) return [];
  const spec = mapping(ctx, podSpec, path);
  if (!present(spec.containers)) return [];
  const out: ContainerPort[] = [];
  list(ctx, spec.containers, at(path, "containers")).forEach((c, ci) => {
    const cpath = at(path, `containers[${ci}]`);
    const container = mapping(ctx, c, cpath);
    if (!present(container.ports)) return;
    list(ctx, container.ports, at(cpath, "ports")).forEach((p, pi) => {
      const ppath = at(cpath, `ports[${pi}]`);
      const port = mapping(ctx, p, ppath);
      const cp: ContainerPort = { containerPort: validatePortNumber(ctx, port.containerPort, at(ppath, "containerPort")) };
      if (present(port.name)) {
        if (typeof port.name !== "string") ctx.fail(at(ppath, "name"), `must be a string, got ${show(port.name)}`);
        const problem = portNameProblem(port.name);
        if (problem) ctx.fail(at(ppath, "name"), problem);
        cp.name = port.name;
      }
      const protocol = validateProtocol(ctx, port.protocol, at(ppath, "protocol"));
      if (protocol) cp.protocol = protocol;
      out.push(cp);
    });
  });
  return out;
}

/** status.podIP, when present, must be an IP address. */
export function validatePodIP(ctx: ErrorContext, status: unknown): string | undefined {
  if (!present(status)) return undefined;
  const st = mapping(ctx, status, "status");
  if (!present(st.podIP)) return undefined;
  if (typeof st.podIP !== "string" || !parseIP(st.podIP)) ctx.fail("status.podIP", `invalid IP address ${show(st.podIP)}`);
  return st.podIP;
}
