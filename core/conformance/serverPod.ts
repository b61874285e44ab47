/**
 * The server-pod rewrite: a case's pod keeps its name, labels, containers' names and ports, and
 * everything else as written, but every container runs the agnhost server image and serves each
 * containerPort it declares on that port's protocol (agnhost serve-hostname for TCP and UDP, agnhost
 * porter for SCTP), as upstream's netpol e2e does. The container is Ready only once each of its
 * ports answers on loopback, so a refused probe never means "not listening yet". Pure.
 */
import { protocolOf } from "../netpol/ports";
import type { ContainerPort, KubeObject } from "../netpol/types";

/** Built locally for the local cluster (issue 15): /agnhost plus busybox as /bin/sh. */
export const LOCAL_AGNHOST_IMAGE = "localhost/agnhost:2.59";
/** The agnhost of Kubernetes v1.35's own netpol e2e (test/utils/image/manifest.go), pinned by the digest of its multi-arch index. */
export const AGNHOST_IMAGE_TAG = "2.59";
export const AGNHOST_IMAGE_DIGEST = "sha256:10ed98804c877e505e17bced991682b6fd50ab1da9cddcd19935b48d645da40a";
export const AGNHOST_IMAGE = `registry.k8s.io/e2e-test-images/agnhost:${AGNHOST_IMAGE_TAG}@${AGNHOST_IMAGE_DIGEST}`;

/** Fields of a container that would run the case's own program, replaced or dropped. */
const PROGRAM_FIELDS = ["command", "args", "workingDir", "readinessProbe", "livenessProbe", "startupProbe", "lifecycle"];

interface Container {
  name?: string;
  ports?: ContainerPort[];
  env?: Array<{ name: string; value?: string }>;
  [field: string]: unknown;
}

/** The shell script a server container runs: one server per port number, in the background. */
export function serverScript(ports: readonly ContainerPort[]): string {
  const byPort = new Map<number, Set<string>>();
  for (const p of ports) {
    const set = byPort.get(p.containerPort) ?? new Set<string>();
    set.add(protocolOf(p));
    byPort.set(p.containerPort, set);
  }
  const lines = ["trap 'exit 0' TERM INT"];
  for (const [port, protocols] of [...byPort].sort((a, b) => a[0] - b[0])) {
    const flags = [protocols.has("TCP") ? "--tcp" : "", protocols.has("UDP") ? "--udp" : ""].filter(Boolean);
    if (flags.length > 0) lines.push(`/agnhost serve-hostname --http=false ${flags.join(" ")} --port ${port} &`);
  }
  // porter serves every SERVE_SCTP_PORT_<n> of its environment (set on the container).
  if (ports.some((p) => protocolOf(p) === "SCTP")) lines.push("/agnhost porter &");
  if (ports.length === 0) lines.push("/agnhost pause &");
  lines.push("wait");
  return lines.join("\n");
}

/** The startup probe's script: each declared port answers on loopback, where no policy applies. */
export function readyScript(ports: readonly ContainerPort[]): string {
  return ports.map((p) => `/agnhost connect --timeout=1s --protocol=${protocolOf(p).toLowerCase()} 127.0.0.1:${p.containerPort}`).join(" && ") || "true";
}

function serverContainer(c: Container, image: string): Container {
  const out: Container = { ...c };
  for (const f of PROGRAM_FIELDS) delete out[f];
  const ports = c.ports ?? [];
  const sctp = ports.filter((p) => protocolOf(p) === "SCTP").map((p) => ({ name: `SERVE_SCTP_PORT_${p.containerPort}`, value: "foo" }));
  if (sctp.length > 0) out.env = [...(c.env ?? []).filter((e) => !sctp.some((s) => s.name === e.name)), ...sctp];
  out.image = image;
  out.imagePullPolicy = "IfNotPresent";
  out.command = ["/bin/sh", "-c", serverScript(ports)];
  if (ports.length > 0) {
    out.startupProbe = { exec: { command: ["/bin/sh", "-c", readyScript(ports)] }, periodSeconds: 1, timeoutSeconds: 5, failureThreshold: 120 };
  }
  return out;
}

/**
 * The pod with the server image in every container. Init and ephemeral containers would run the
 * case's programs in an image that has none of them, so they are dropped.
 */
export function serverPod(pod: KubeObject, image: string): KubeObject {
  const copy = structuredClone(pod) as KubeObject & { spec?: Record<string, unknown> };
  const spec: Record<string, unknown> = { ...(copy.spec ?? {}) };
  delete spec.initContainers;
  delete spec.ephemeralContainers;
  spec.containers = ((spec.containers as Container[] | undefined) ?? []).map((c) => serverContainer(c, image));
  // The server script exits on SIGTERM at once; an absent grace period would keep a deleted pod 30 s.
  spec.terminationGracePeriodSeconds ??= 1;
  copy.spec = spec;
  return copy;
}

/**
 * The server image when none is named: the locally built one when every node already has it (the
 * local cluster imports it and has no registry), else the pinned upstream one.
 */
export function defaultServerImage(nodeImages: readonly (readonly string[])[] | undefined): { image: string; why: string } {
  if (nodeImages === undefined) return { image: AGNHOST_IMAGE, why: "the nodes cannot be listed, so the pinned upstream image" };
  const local = nodeImages.length > 0 && nodeImages.every((names) => names.some((n) => n === LOCAL_AGNHOST_IMAGE || n === `docker.io/${LOCAL_AGNHOST_IMAGE}`));
  return local ? { image: LOCAL_AGNHOST_IMAGE, why: "every node has the locally built image" } : { image: AGNHOST_IMAGE, why: "the pinned upstream image" };
}
