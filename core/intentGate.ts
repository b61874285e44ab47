/**
 * The intent gate: proves, with the NetworkPolicy engine, that the stack's policies let exactly
 * the declared callers reach the target, and nobody else. It generalises the tutorial's
 * curl-po-allow / curl-po-deny into probe pods: every allowed caller (must be admitted) and
 * impostors that a too-wide policy would admit (must be refused): the caller's labels in the
 * wrong namespace, unlabelled pods in the caller's namespace, and a namespace that copies the
 * caller namespace's labels under another name. It also checks that no other pod or port of the
 * target namespace is reachable. Pure: no Pulumi, no I/O.
 */
import type { AccessIntent } from "./intent";
// Every cluster has the default namespace; probes use it without creating it.
import { DEFAULT_NAMESPACE } from "./netpol/policy";
import { CURL_IMAGE } from "./stack/checkCommands";
import {
  buildModel,
  ConnectivityEngine,
  podId,
  type ClusterModel,
  type KubeObject,
  type Labels,
  type PodInfo,
  type Protocol,
  type Verdict,
} from "./netpol";

/** Label marking probe pods and namespaces, so tools can find and delete them. */
export const PROBE_LABEL = "netpol-probe";

/** A pod the gate (and `verify`, on a real cluster) uses to test the policies. */
export interface ProbeCaller {
  /** "namespace/name" of the probe pod. */
  id: string;
  /** Pod name (a DNS label). */
  name: string;
  /** What the probe impersonates, e.g. "app=prices-api-consumer in default, the wrong namespace". */
  description: string;
  namespace: string;
  /** Labels the namespace carries: those the intent gives it, or a copy of them for impostor namespaces. */
  namespaceLabels: Labels;
  /** true when the namespace does not exist in the stack and a probe must create it */
  createsNamespace: boolean;
  podLabels: Labels;
  intendedAllowed: boolean;
}

/** A probe and what the engine says the stack's policies do with it. */
export interface ProbeExpectation extends ProbeCaller {
  engineAllowed: boolean;
  verdict: Verdict;
}

/** A connection into the target namespace that the intent does not grant but the policies do. */
export interface Exposure {
  from: string;
  to: string;
  /** The port, or undefined when the destination is not isolated at all (every port is open). */
  port?: number;
  protocol: Protocol;
  reason: string;
}

export interface IntentCheck {
  ok: boolean;
  /** Every probe against the target, allowed callers first. */
  results: ProbeExpectation[];
  /** Probes whose engine verdict differs from the intent. */
  mismatches: ProbeExpectation[];
  /** Other pods and ports of the target namespace that someone can reach. */
  exposures: Exposure[];
  /** Problems with the objects themselves, e.g. no pod matches the target. */
  problems: string[];
  /** A readable diff of the intent against the engine's verdicts. */
  report: string;
}

function labelsText(labels: Labels): string {
  const entries = Object.entries(labels);
  return entries.length === 0 ? "no labels" : entries.map(([k, v]) => `${k}=${v}`).join(",");
}

function hasLabels(have: Labels, want: Labels): boolean {
  return Object.entries(want).every(([k, v]) => have[k] === v);
}

/** Whether the intent grants a pod with these labels in this namespace access to the target. */
function intentAdmits(intent: AccessIntent, namespace: string, namespaceLabels: Labels, podLabels: Labels): boolean {
  return intent.allowedCallers.some(
    (c) => c.namespace === namespace && hasLabels(namespaceLabels, c.namespaceLabels) && hasLabels(podLabels, c.podLabels),
  );
}

/** FNV-1a of text, in base 36: a short, stable fingerprint (not a defence against anyone). */
function fingerprint(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return hash.toString(36).padStart(7, "0").slice(-6);
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** The fingerprinted form ends in -xxxxxx; a short name never does, so the two forms never meet. */
const FINGERPRINTED = /-[a-z0-9]{6}$/;

/**
 * The name of a caller's probe pods, from its pod labels alone (and the target's app label), so
 * an unchanged caller keeps its name whatever callers are added, removed or reordered. `app=<target
 * app>-<rest>` is `<rest>`: the tutorial's `app=prices-api-consumer` is `consumer`. Any other label
 * set is its label values, shortened, plus a fingerprint of the whole set, e.g. `invoicer-1x2y3z`.
 */
export function probeName(podLabels: Labels, targetApp: string | undefined): string {
  const entries = Object.entries(podLabels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (entries.length === 1 && entries[0][0] === "app" && targetApp !== undefined && entries[0][1].startsWith(`${targetApp}-`)) {
    const rest = entries[0][1].slice(targetApp.length + 1);
    if (DNS_LABEL.test(rest) && rest.length <= 30 && rest !== "unlabelled" && !FINGERPRINTED.test(rest)) return rest;
  }
  const readable =
    entries
      .map(([, v]) => v)
      .join("-")
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .slice(0, 30)
      .replace(/^-+|-+$/g, "") || "caller";
  return `${readable}-${fingerprint(JSON.stringify(entries))}`;
}

function copycatName(namespace: string): string {
  return `copycat-${namespace}`.slice(0, 63).replace(/-+$/, "");
}

/** The port text used in the report header and lines, e.g. "TCP 8080". */
function intentPort(intent: AccessIntent): string {
  return `${intent.protocol} ${intent.port}`;
}

/**
 * The probe callers for an intent: one per allowed caller (intended allowed), then impostors
 * (intended denied unless the intent happens to grant them too). No two probes share a
 * namespace and pod labels.
 */
export function probeCallers(intent: AccessIntent): ProbeCaller[] {
  const targetNs = intent.target.namespace;
  const callerNsLabels = new Map<string, Labels>();
  for (const c of intent.allowedCallers) callerNsLabels.set(c.namespace, { ...callerNsLabels.get(c.namespace), ...c.namespaceLabels });
  // Callers with the same pod labels share a probe name, so ids read the same across namespaces.
  const consumerName = (podLabels: Labels) => probeName(podLabels, intent.target.podLabels.app);
  const known = new Set([targetNs, DEFAULT_NAMESPACE, ...callerNsLabels.keys()]);
  const probes: ProbeCaller[] = [];
  const seen = new Set<string>();
  const add = (name: string, namespace: string, namespaceLabels: Labels, podLabels: Labels, description: string) => {
    const key = `${namespace}\u0000${JSON.stringify(Object.entries(podLabels).sort())}`;
    const id = `${namespace}/${name}`;
    if (seen.has(key) || probes.some((p) => p.id === id)) return;
    seen.add(key);
    probes.push({
      id,
      name,
      description,
      namespace,
      namespaceLabels: { ...namespaceLabels },
      createsNamespace: !known.has(namespace),
      podLabels: { ...podLabels },
      intendedAllowed: intentAdmits(intent, namespace, namespaceLabels, podLabels),
    });
  };
  for (const c of intent.allowedCallers) {
    add(consumerName(c.podLabels), c.namespace, callerNsLabels.get(c.namespace) ?? {}, c.podLabels, `allowed caller: ${labelsText(c.podLabels)} in ${c.namespace}`);
  }
  for (const c of intent.allowedCallers) {
    const name = consumerName(c.podLabels);
    const who = labelsText(c.podLabels);
    add(name, DEFAULT_NAMESPACE, {}, c.podLabels, `${who} in ${DEFAULT_NAMESPACE}, the wrong namespace`);
    add(name, targetNs, {}, c.podLabels, `${who} inside ${targetNs} itself`);
    const nsLabels = callerNsLabels.get(c.namespace) ?? {};
    const copied = Object.keys(nsLabels).length > 0 ? `copies ${labelsText(nsLabels)}` : `is not ${c.namespace}`;
    add(name, copycatName(c.namespace), nsLabels, c.podLabels, `${who} in a namespace that ${copied}`);
  }
  for (const ns of callerNsLabels.keys()) {
    add("unlabelled", ns, callerNsLabels.get(ns) ?? {}, {}, `a pod without the caller labels in ${ns}`);
  }
  add("unlabelled", DEFAULT_NAMESPACE, {}, {}, `a plain pod in ${DEFAULT_NAMESPACE}`);
  add("unlabelled", targetNs, {}, {}, `a plain pod inside ${targetNs}`);
  return probes;
}

/**
 * The probe pods (and the namespaces they must create) as Kubernetes objects. `verify` applies
 * the same shape on a real cluster; the gate feeds them to the engine.
 */
export function probeObjects(probes: readonly ProbeCaller[]): KubeObject[] {
  const namespaces = new Map<string, Labels>();
  for (const p of probes) if (p.createsNamespace) namespaces.set(p.namespace, p.namespaceLabels);
  return [
    ...[...namespaces].map(([name, labels]) => ({
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name, labels: { ...labels, [PROBE_LABEL]: "true" } },
    })),
    ...probes.map((p) => ({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: p.name, namespace: p.namespace, labels: { ...p.podLabels } },
      spec: { containers: [{ name: "probe", image: CURL_IMAGE, command: ["sleep", "3600"] }] },
    })),
  ];
}

interface GateModel {
  model: ClusterModel;
  engine: ConnectivityEngine;
  probes: ProbeCaller[];
  probePods: PodInfo[];
  targets: PodInfo[];
  /** The pod the probes are evaluated against: the first target pod, or one built from the intent. */
  target: PodInfo;
}

/** The probe objects to add to `objects`: namespaces the objects already declare keep their own labels. */
export function probeObjectsAddedTo(objects: readonly KubeObject[], probes: readonly ProbeCaller[]): KubeObject[] {
  const declared = new Set(objects.filter((o) => o.kind === "Namespace").map((o) => o.metadata.name));
  return probeObjects(probes).filter((o) => !(o.kind === "Namespace" && declared.has(o.metadata.name)));
}

function gateModel(objects: readonly KubeObject[], intent: AccessIntent): GateModel {
  const probes = probeCallers(intent);
  const extra = probeObjectsAddedTo(objects, probes);
  const { model } = buildModel([...objects, ...extra]);
  const engine = new ConnectivityEngine(model);
  const byId = new Map(model.pods.map((p) => [podId(p), p]));
  const probePods = probes.map((p) => byId.get(p.id) ?? { namespace: p.namespace, name: p.name, labels: p.podLabels, ports: [] });
  const probeIds = new Set(probes.map((p) => p.id));
  const targets = model.pods.filter(
    (p) => (p.namespace || DEFAULT_NAMESPACE) === intent.target.namespace && !probeIds.has(podId(p)) && hasLabels(p.labels, intent.target.podLabels),
  );
  const target: PodInfo = targets[0] ?? {
    namespace: intent.target.namespace,
    name: intent.target.workload,
    labels: { ...intent.target.podLabels },
    ports: [{ containerPort: intent.port, protocol: intent.protocol }],
  };
  return { model, engine, probes, probePods, targets, target };
}

function expectations(g: GateModel, intent: AccessIntent): ProbeExpectation[] {
  return g.probes.map((probe, i) => {
    const verdict = g.engine.evaluate(g.probePods[i], g.target, intent.port, intent.protocol);
    return { ...probe, engineAllowed: verdict.allowed, verdict };
  });
}

/** What the engine says the objects do with each probe, next to what the intent wants. */
export function expectedProbeResults(objects: KubeObject[], intent: AccessIntent): ProbeExpectation[] {
  return expectations(gateModel(objects, intent), intent);
}

/** Everything in the target namespace the intent does not grant but the policies let through. */
function exposures(g: GateModel, intent: AccessIntent): Exposure[] {
  const found: Exposure[] = [];
  const namespaceLabels = new Map(g.engine.namespaces);
  const probeIds = new Set(g.probes.map((p) => p.id));
  const sources = [...g.probePods, ...g.model.pods.filter((p) => !probeIds.has(podId(p)))];
  const isTarget = new Set(g.targets);
  for (const dst of g.model.pods) {
    if ((dst.namespace || DEFAULT_NAMESPACE) !== intent.target.namespace || probeIds.has(podId(dst))) continue;
    const anyone = g.probePods[g.probePods.length - 1];
    const open = g.engine.evaluate(anyone, dst, dst.ports[0]?.containerPort ?? intent.port, dst.ports[0]?.protocol ?? intent.protocol);
    if (!open.ingress.isolated) {
      found.push({
        from: "any pod",
        to: podId(dst),
        protocol: intent.protocol,
        reason: `no NetworkPolicy isolates ingress to ${podId(dst)}, so every pod may reach it on every port (the default-deny policy must select it)`,
      });
      continue;
    }
    for (const cp of dst.ports) {
      const protocol = cp.protocol ?? "TCP";
      const intentPortHere = isTarget.has(dst) && cp.containerPort === intent.port && protocol === intent.protocol;
      for (const src of sources) {
        if (src === dst) continue;
        // Probes against the target on the intent port are judged by the probe results instead.
        if (intentPortHere && probeIds.has(podId(src))) continue;
        const srcNs = src.namespace || DEFAULT_NAMESPACE;
        const intended = intentPortHere && intentAdmits(intent, srcNs, namespaceLabels.get(srcNs)?.labels ?? {}, src.labels);
        if (intended) continue;
        const v = g.engine.evaluate(src, dst, cp.containerPort, protocol);
        if (v.allowed) found.push({ from: podId(src), to: podId(dst), port: cp.containerPort, protocol, reason: v.reason });
      }
    }
  }
  return found;
}

function headline(intent: AccessIntent, more: boolean, less: boolean, problems: boolean): string {
  const subject = `NetworkPolicy intent violated for ${intent.target.namespace}/${intent.target.workload} (${intentPort(intent)})`;
  if (more && less) return `${subject}: the policies grant more AND less than intended.`;
  if (more) return `${subject}: the policies grant more than intended.`;
  if (less) return `${subject}: the policies grant less than intended.`;
  return problems ? `${subject}: the objects cannot satisfy it.` : subject;
}

function diffReport(intent: AccessIntent, results: ProbeExpectation[], mismatches: ProbeExpectation[], exposed: Exposure[], problems: string[]): string {
  if (mismatches.length === 0 && exposed.length === 0 && problems.length === 0) {
    const allowed = results.filter((r) => r.intendedAllowed).length;
    return (
      `NetworkPolicy intent holds for ${intent.target.namespace}/${intent.target.workload} (${intentPort(intent)}): ` +
      `${results.length} probes, ${allowed} allowed and ${results.length - allowed} denied as intended; ` +
      `nothing else in ${intent.target.namespace} is reachable.`
    );
  }
  const more = mismatches.some((m) => m.engineAllowed) || exposed.length > 0;
  const less = mismatches.some((m) => !m.engineAllowed);
  const lines = [headline(intent, more, less, problems.length > 0)];
  const width = Math.max(...mismatches.map((m) => m.id.length), 0);
  for (const m of mismatches) {
    const sign = m.engineAllowed ? "+" : "-";
    const outcome = m.engineAllowed ? "allowed, intended DENIED" : "denied, intended ALLOWED";
    lines.push(`  ${sign} ${m.id.padEnd(width)}  (${m.description})  ${outcome}`);
    lines.push(`      because: ${m.verdict.reason}`);
  }
  for (const e of exposed) {
    const port = e.port === undefined ? "every port" : `${e.protocol} ${e.port}`;
    lines.push(`  + ${e.from} -> ${e.to} on ${port}  allowed, intended DENIED (only ${intentPort(intent)} of the target is granted)`);
    lines.push(`      because: ${e.reason}`);
  }
  for (const p of problems) lines.push(`  ! ${p}`);
  return lines.join("\n");
}

/** Compares the policies in `objects` with the intent; never throws for a violation (see assertIntent). */
export function checkIntent(objects: KubeObject[], intent: AccessIntent): IntentCheck {
  const g = gateModel(objects, intent);
  const results = expectations(g, intent);
  const mismatches = results.filter((r) => r.engineAllowed !== r.intendedAllowed);
  const exposed = exposures(g, intent);
  const problems: string[] = [];
  if (g.targets.length === 0) {
    problems.push(`no pod in ${intent.target.namespace} has the target labels ${labelsText(intent.target.podLabels)}; probes were judged against a stand-in`);
  }
  for (const t of g.targets) {
    const declares = t.ports.some((p) => p.containerPort === intent.port && (p.protocol ?? "TCP") === intent.protocol);
    if (!declares) problems.push(`${podId(t)} declares no container port ${intentPort(intent)}; the Service's targetPort would reach nothing`);
  }
  const ok = mismatches.length === 0 && exposed.length === 0 && problems.length === 0;
  return { ok, results, mismatches, exposures: exposed, problems, report: diffReport(intent, results, mismatches, exposed, problems) };
}

/** Thrown by assertIntent; the message is the readable diff. */
export class IntentViolationError extends Error {
  readonly check: IntentCheck;
  constructor(check: IntentCheck) {
    super(check.report);
    this.name = "IntentViolationError";
    this.check = check;
  }
}

/** Throws IntentViolationError unless the policies grant exactly the intent. */
export function assertIntent(objects: KubeObject[], intent: AccessIntent): void {
  const check = checkIntent(objects, intent);
  if (!check.ok) throw new IntentViolationError(check);
}
