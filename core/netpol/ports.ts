import type { ContainerPort, NetworkPolicyPort, Protocol } from "./types";

export const PROTOCOLS: readonly Protocol[] = ["TCP", "UDP", "SCTP"];

/** Protocol of a policy port or container port; Kubernetes defaults it to TCP. */
export function protocolOf(p: { protocol?: Protocol }): Protocol {
  return p.protocol ?? "TCP";
}

/**
 * Whether one NetworkPolicyPort admits traffic to `port`/`protocol` on a
 * destination declaring `destPorts`. A named port is resolved against the
 * destination's own container ports, by name AND protocol.
 */
export function policyPortMatches(
  rulePort: NetworkPolicyPort,
  port: number,
  protocol: Protocol,
  destPorts: readonly ContainerPort[],
): boolean {
  if (protocolOf(rulePort) !== protocol) return false;
  const p = rulePort.port;
  if (p === undefined || p === null) return true;
  if (typeof p === "number") {
    const end = rulePort.endPort ?? p;
    return port >= p && port <= end;
  }
  return destPorts.some((cp) => cp.name === p && cp.containerPort === port && protocolOf(cp) === protocol);
}

/** A rule's `ports`: absent or empty means every port of every protocol. */
export function rulePortsMatch(
  ports: readonly NetworkPolicyPort[] | undefined,
  port: number,
  protocol: Protocol,
  destPorts: readonly ContainerPort[],
): boolean {
  if (!ports || ports.length === 0) return true;
  for (const rp of ports) if (policyPortMatches(rp, port, protocol, destPorts)) return true;
  return false;
}

/** The container port a name refers to on a pod (optionally restricted to a protocol). */
export function resolveNamedPort(
  name: string,
  destPorts: readonly ContainerPort[],
  protocol?: Protocol,
): ContainerPort | undefined {
  return destPorts.find((cp) => cp.name === name && (protocol === undefined || protocolOf(cp) === protocol));
}

const portKey = (cp: ContainerPort): string => `${cp.name ?? ""}:${cp.containerPort}/${protocolOf(cp)}`;

/** A canonical key for a pod's declared ports (order-independent); every pod is keyed, most with one port. */
export function portsKey(ports: readonly ContainerPort[]): string {
  if (ports.length === 0) return "";
  if (ports.length === 1) return portKey(ports[0]);
  return ports.map(portKey).sort().join(",");
}

/** "TCP/8080" or "TCP/8080 (http)". */
export function describePort(port: number, protocol: Protocol, name?: string): string {
  return name ? `${protocol}/${port} (${name})` : `${protocol}/${port}`;
}
