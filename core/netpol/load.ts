import { readdirSync, realpathSync, statSync } from "node:fs";
import { nestedDeeperThan } from "../jsonDepth";
import { FileReadError, readRegularFile } from "../readBounded";
import { extname, join } from "node:path";
import { KubectlYamlError, readKubectlYaml, type KubectlDocument } from "./kubectlYaml";
import { describeSource, ErrorContext, ManifestError, show, type ObjectSource } from "./errors";
import { isMapping, validateContainerPorts, validateLabels, validateMetadata, validateNetworkPolicy, validatePodIP } from "./validate";
import { withNameLabel } from "./namespaces";
import { DEFAULT_NAMESPACE } from "./policy";
import type { ClusterModel, KubeObject, NamespaceInfo, NetworkPolicy, PodInfo } from "./types";

export { ManifestError, type ObjectSource } from "./errors";

/** A Kubernetes object and where it was read from. */
export interface SourcedObject {
  object: KubeObject;
  source: ObjectSource;
}

/** An object of a kind the engine does not model (Service, ConfigMap, ...). */
export interface IgnoredObject {
  kind: string;
  name: string;
  /** "file#document". */
  source: string;
}

/** Source given to already-built objects (from the stack) that carry none. */
export const STACK_SOURCE = "<stack>";

const MANIFEST_EXTENSIONS = new Set([".yaml", ".yml", ".json"]);

/** Lists inside Lists deeper than this are refused: kubectl never writes more than one level. */
const MAX_LIST_DEPTH = 16;
/** Documents nested deeper than this are refused before anything walks them. */
const MAX_DOCUMENT_DEPTH = 128;

/**
 * Objects as `envelope` produced them (checked and expanded), with their validated metadata:
 * buildModel need not check them again.
 */
const enveloped = new WeakMap<SourcedObject, ReturnType<typeof validateMetadata>>();

/** Checks the envelope every document needs (kind, metadata.name) and expands `kind: List`. */
function envelope(document: unknown, documentSource: ObjectSource, out: SourcedObject[]): void {
  if (nestedDeeperThan(document, MAX_DOCUMENT_DEPTH)) ErrorContext.of(documentSource).fail("", `the document is nested deeper than ${MAX_DOCUMENT_DEPTH} levels; no Kubernetes object is`);
  // Lists are expanded with an explicit stack, in document order, so their depth is only bounded by MAX_LIST_DEPTH.
  const pending: Array<{ value: unknown; source: ObjectSource; depth: number }> = [{ value: document, source: documentSource, depth: 0 }];
  while (pending.length > 0) {
    const { value, source, depth } = pending.pop()!;
    const ctx: ErrorContext = ErrorContext.of(source);
    if (!isMapping(value)) ctx.fail("", `a manifest document must be a mapping, got ${show(value)}`);
    if (typeof value.kind !== "string" || value.kind.length === 0) ctx.fail("kind", `kind is required (got ${show(value.kind)})`);
    // kubectl's "List" and typed lists such as "NetworkPolicyList" (a CRD kind that merely ends in List has no items).
    if (value.kind === "List" || (value.kind.endsWith("List") && Array.isArray(value.items))) {
      if (!Array.isArray(value.items)) ctx.fail("items", `a ${value.kind} needs an items list, got ${show(value.items)}`);
      if (depth >= MAX_LIST_DEPTH) ctx.fail("items", `Lists nested more than ${MAX_LIST_DEPTH} deep; kubectl writes one level`);
      for (let i = value.items.length - 1; i >= 0; i--) pending.push({ value: value.items[i], source: { ...source, path: ctx.path(`items[${i}]`) }, depth: depth + 1 });
      continue;
    }
    const checked = { object: value as KubeObject, source };
    enveloped.set(checked, validateMetadata(ctx, value));
    out.push(checked);
  }
}

/**
 * Parses one manifest file's text as kubectl reads it (kubectlYaml.ts): multi-document YAML with
 * kubectl's YAML 1.1 reading of every scalar, or JSON, with `kind: List` expanded. Throws
 * ManifestError, naming the line where it can, on malformed input, on a value kubectl refuses, or
 * a document without kind or metadata.name. Empty documents are skipped.
 */
export function parseManifestText(text: string, file: string): SourcedObject[] {
  const out: SourcedObject[] = [];
  let documents: KubectlDocument[];
  try {
    documents = readKubectlYaml(text);
  } catch (e) {
    if (!(e instanceof KubectlYamlError)) throw e;
    throw new ManifestError(e.detail, file, e.document, e.field, e.line);
  }
  for (const { index, value, lines } of documents) {
    if (value === null || value === undefined) continue;
    envelope(value, { file, document: index, ...(lines ? { lines } : {}) }, out);
  }
  return out;
}

/** No manifest file needs more; a larger one is a dump to filter first, or an attack. */
export const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;

function walk(path: string, files: string[], top: boolean, ancestors: ReadonlySet<string> = new Set()): void {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    throw new ManifestError(`cannot read: ${(e as Error).message}`, path);
  }
  if (st.isDirectory()) {
    // A symlink to a directory above it would be walked until the path is too long.
    const real = realpathSync(path);
    if (ancestors.has(real)) throw new ManifestError(`a directory that leads back to ${real}, which is being read already`, path);
    const inside = new Set([...ancestors, real]);
    for (const entry of readdirSync(path).sort()) walk(join(path, entry), files, false, inside);
  } else if (top || MANIFEST_EXTENSIONS.has(extname(path).toLowerCase())) {
    // A file named explicitly is read whatever its extension; in directories only manifests are.
    files.push(path);
  }
}

/** Reads files and directories (recursively: .yaml, .yml, .json) in a stable order; regular files only. */
export function loadManifestPaths(paths: string[]): SourcedObject[] {
  const files: string[] = [];
  for (const p of paths) walk(p, files, true);
  const out: SourcedObject[] = [];
  for (const f of files) {
    let text: string;
    try {
      text = readRegularFile(f, MAX_MANIFEST_BYTES);
    } catch (e) {
      if (e instanceof FileReadError) throw new ManifestError(e.message, f);
      throw e;
    }
    // One by one: spreading an input-sized array into arguments overflows the stack.
    for (const o of parseManifestText(text, f)) out.push(o);
  }
  return out;
}

function isSourced(x: KubeObject | SourcedObject): x is SourcedObject {
  return isMapping((x as SourcedObject).object) && isMapping((x as SourcedObject).source) && !("kind" in x);
}

/** Where the pod template of each pod-template workload lives (the policy pack reads it too). */
export const TEMPLATE_PATHS: Readonly<Record<string, readonly string[]>> = {
  Deployment: ["spec", "template"],
  StatefulSet: ["spec", "template"],
  DaemonSet: ["spec", "template"],
  ReplicaSet: ["spec", "template"],
  ReplicationController: ["spec", "template"],
  Job: ["spec", "template"],
  CronJob: ["spec", "jobTemplate", "spec", "template"],
};

function dig(obj: Record<string, unknown>, path: string[]): unknown {
  let cur: unknown = obj;
  for (const k of path) {
    if (!isMapping(cur)) return undefined;
    cur = cur[k];
  }
  return cur;
}

/**
 * Validates objects (from manifests or built by the stack) and builds the
 * engine's model. Workloads count as one pod each, named after the workload,
 * with the labels and ports of their pod template. Kinds the engine does not
 * model are returned in `ignored`. Throws ManifestError on invalid input.
 */
export function buildModel(objects: Array<KubeObject | SourcedObject>): { model: ClusterModel; ignored: IgnoredObject[] } {
  const sourced: SourcedObject[] = [];
  objects.forEach((o, i) => {
    if (isSourced(o)) {
      if (enveloped.has(o)) sourced.push(o);
      else envelope(o.object, o.source, sourced);
    }
    else envelope(o, { file: STACK_SOURCE, document: i + 1 }, sourced);
  });

  const namespaces: NamespaceInfo[] = [];
  const pods: PodInfo[] = [];
  const policies: NetworkPolicy[] = [];
  const ignored: IgnoredObject[] = [];
  const seen = new Map<string, ObjectSource>();
  const endpoints = new Map<string, { kind: string; source: ObjectSource }>();

  for (const checked of sourced) {
    const { object, source } = checked;
    const ctx: ErrorContext = ErrorContext.of(source);
    const raw = object as unknown as Record<string, unknown>;
    const kind = object.kind;
    const meta = enveloped.get(checked) ?? validateMetadata(ctx, raw);
    const namespace = kind === "Namespace" ? "" : meta.namespace || DEFAULT_NAMESPACE;
    const identity = `${kind}/${namespace}/${meta.name}`;
    const earlier = seen.get(identity);
    const isWorkload = Object.hasOwn(TEMPLATE_PATHS, kind);
    if (earlier && (kind === "Namespace" || kind === "Pod" || kind === "NetworkPolicy" || isWorkload)) {
      ctx.fail("metadata.name", `duplicate ${kind} ${namespace ? `${namespace}/` : ""}${meta.name} (also defined at ${describeSource(earlier)})`);
    }
    seen.set(identity, source);
    // A Pod and a workload become one endpoint each, named namespace/name: two with one name would be one id.
    if (kind === "Pod" || isWorkload) {
      const endpoint = `endpoint/${namespace}/${meta.name}`;
      const other = endpoints.get(endpoint);
      if (other) ctx.fail("metadata.name", `${kind} ${namespace}/${meta.name} has the name of ${other.kind} ${namespace}/${meta.name} (${describeSource(other.source)}); the analysis names both ${namespace}/${meta.name}, so rename one`);
      endpoints.set(endpoint, { kind, source });
    }
    const where = describeSource(source);

    if (kind === "Namespace") {
      namespaces.push(withNameLabel({ name: meta.name, labels: meta.labels }));
    } else if (kind === "NetworkPolicy") {
      const policy = validateNetworkPolicy(ctx, raw);
      policy.metadata.namespace = namespace;
      policies.push(policy);
    } else if (kind === "Pod") {
      const ports = validateContainerPorts(ctx, raw.spec, "spec");
      const ip = validatePodIP(ctx, raw.status);
      pods.push({ namespace, name: meta.name, labels: meta.labels, ports, ...(ip ? { ip } : {}), source: where });
    } else if (isWorkload) {
      const tplPath = [...TEMPLATE_PATHS[kind]];
      const template = dig(raw, tplPath);
      const base = tplPath.join(".");
      const tplMeta = isMapping(template) && isMapping(template.metadata) ? template.metadata : undefined;
      const labels = validateLabels(ctx, tplMeta?.labels, `${base}.metadata.labels`);
      const ports = isMapping(template) ? validateContainerPorts(ctx, template.spec, `${base}.spec`) : [];
      pods.push({ namespace, name: meta.name, labels, ports, source: where });
    } else {
      ignored.push({ kind, name: namespace ? `${namespace}/${meta.name}` : meta.name, source: where });
    }
  }
  return { model: { namespaces, pods, policies }, ignored };
}
