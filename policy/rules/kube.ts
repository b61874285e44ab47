/**
 * Reading Kubernetes resources as Pulumi presents them to policies: the type token names the kind,
 * and the props are the object's fields (metadata, spec) as plain data. Pure, no Pulumi import.
 */
import { TEMPLATE_PATHS } from "../../core/netpol/load";

/** A Pulumi Kubernetes type token split up: `kubernetes:apps/v1:Deployment` → apps, v1, Deployment. */
export interface KubeType {
  group: string;
  version: string;
  kind: string;
}

const KUBE_TYPE = /^kubernetes:([^:/]+)\/([^:/]+):([A-Za-z]+)$/;

/** Parses a Pulumi type token of a Kubernetes resource; undefined for anything else (Azure, components). */
export function parseKubeType(type: string): KubeType | undefined {
  const m = KUBE_TYPE.exec(type);
  return m ? { group: m[1], version: m[2], kind: m[3] } : undefined;
}

/** The Pulumi type token Kubernetes object data would be registered under (`v1` → `core/v1`). */
export function kubeTypeToken(apiVersion: string, kind: string): string {
  return `kubernetes:${apiVersion.includes("/") ? apiVersion : `core/${apiVersion}`}:${kind}`;
}

/** API groups each pod-running kind is served from; where its pod template lives comes from the engine. */
const POD_KIND_GROUPS: Record<string, string[]> = {
  Pod: ["core"],
  ReplicationController: ["core"],
  Deployment: ["apps", "extensions"],
  StatefulSet: ["apps"],
  DaemonSet: ["apps", "extensions"],
  ReplicaSet: ["apps", "extensions"],
  Job: ["batch"],
  CronJob: ["batch"],
};

/** Path of the pod spec inside a resource of each kind. */
const POD_TEMPLATE_PATHS: Record<string, { groups: string[]; path: readonly string[] }> = Object.fromEntries(
  Object.entries(POD_KIND_GROUPS).map(([kind, groups]) => [kind, { groups, path: kind === "Pod" ? ["spec"] : [...TEMPLATE_PATHS[kind], "spec"] }]),
);

/** The pod-spec location of a kind; own properties only, so "constructor" or "__proto__" is no kind. */
function templateOf(kind: string): { groups: string[]; path: readonly string[] } | undefined {
  return Object.hasOwn(POD_TEMPLATE_PATHS, kind) ? POD_TEMPLATE_PATHS[kind] : undefined;
}

/** True for Pods and every workload kind that runs pods from a template. */
export function isWorkloadType(type: string): boolean {
  const t = parseKubeType(type);
  return t !== undefined && templateOf(t.kind)?.groups.includes(t.group) === true;
}

/** True when `type` is the given core/v1 or other-group kind, in any API version. */
export function isKubeKind(type: string, group: string, kind: string): boolean {
  const t = parseKubeType(type);
  return t !== undefined && t.group === group && t.kind === kind;
}

export type Props = Record<string, unknown>;

function field(value: unknown, key: string): unknown {
  return value !== null && typeof value === "object" ? (value as Props)[key] : undefined;
}

/** The pod spec of a Pod or workload, or undefined when the resource has none (yet). */
export function podSpecOf(type: string, props: Props): Props | undefined {
  const t = parseKubeType(type);
  const where = t && templateOf(t.kind);
  if (!where) return undefined;
  let value: unknown = props;
  for (const key of where.path) value = field(value, key);
  return value !== null && typeof value === "object" ? (value as Props) : undefined;
}

/** One container of a pod spec, with the list it came from, for messages. */
export interface ContainerRef {
  list: "containers" | "initContainers";
  name: string;
  container: Props;
}

/** Every container and init container of a pod spec. Ephemeral containers take no resources or privileges. */
export function containersOf(spec: Props | undefined): ContainerRef[] {
  const refs: ContainerRef[] = [];
  for (const list of ["initContainers", "containers"] as const) {
    const items = field(spec, list);
    if (!Array.isArray(items)) continue;
    items.forEach((c: unknown, i) => {
      const container = (c !== null && typeof c === "object" ? c : {}) as Props;
      const name = typeof container.name === "string" ? container.name : `#${i}`;
      refs.push({ list, name, container });
    });
  }
  return refs;
}

/** `Kind namespace/name` of a Kubernetes resource, falling back to the Pulumi resource name. */
export function describeResource(type: string, props: Props, resourceName: string): string {
  const kind = parseKubeType(type)?.kind ?? type;
  const metadata = field(props, "metadata");
  const name = field(metadata, "name");
  const namespace = field(metadata, "namespace");
  const shown = typeof name === "string" && name !== "" ? name : resourceName;
  return typeof namespace === "string" && namespace !== "" ? `${kind} ${namespace}/${shown}` : `${kind} ${shown}`;
}

/** The namespace a namespaced resource lands in: its metadata.namespace, else `default`. */
export function namespaceOf(props: Props): string {
  const ns = field(field(props, "metadata"), "namespace");
  return typeof ns === "string" && ns !== "" ? ns : "default";
}

/** The value of a metadata annotation, if set. */
export function annotationOf(props: Props, key: string): string | undefined {
  const value = field(field(field(props, "metadata"), "annotations"), key);
  return typeof value === "string" ? value : undefined;
}

/** Reads a nested field by path without throwing on missing levels. */
export function path(value: unknown, ...keys: string[]): unknown {
  return keys.reduce<unknown>((v, k) => field(v, k), value);
}
