import { parseIP, cidrContainsIP, cidrEnd, type IPAddress, type IPFamily } from "./ip";
import type { CompiledIPBlock } from "./ipblock";
import { labelsKey } from "./selectors";
import { portsKey } from "./ports";
import { podNamespace } from "./namespaces";
import type { ContainerPort, Labels, NamespaceInfo, PodInfo } from "./types";

/**
 * Pods the policies cannot tell apart: same namespace, labels, declared ports
 * and the same answer from every ipBlock of the model. Verdicts are computed
 * once per class and shared by its pods, which is what keeps matrices cheap.
 */
export interface PodClass {
  id: number;
  key: string;
  namespace: NamespaceInfo;
  labels: Labels;
  ports: ContainerPort[];
  /**
   * The parsed IP of the first pod of the class, for ipBlock matching: every pod of the class
   * matches the same ipBlocks. Absent without an IP, or when the model has no ipBlock to match.
   */
  address?: IPAddress;
  pods: PodInfo[];
}

/** Folds pods into classes; new pods (e.g. probes) can be added later. */
export class PodClassifier {
  readonly classes: PodClass[] = [];
  private readonly byKey = new Map<string, PodClass>();
  private readonly byPod = new Map<PodInfo, PodClass>();
  private readonly boundaries: Partial<Record<IPFamily, bigint[]>> = {};
  private readonly intervalSignatures = new Map<number, number>();
  private readonly signatureIds = new Map<string, number>();

  constructor(
    private readonly namespaceOf: (name: string) => NamespaceInfo,
    private readonly ipBlocks: readonly CompiledIPBlock[],
  ) {}

  /** The class of a pod, creating it when no equivalent pod was seen. */
  classOf(pod: PodInfo, remember = true): PodClass {
    const known = this.byPod.get(pod);
    if (known) return known;
    const ns = podNamespace(pod);
    const ports = pod.ports ?? [];
    const labels = pod.labels ?? {};
    const address = pod.ip && this.ipBlocks.length > 0 ? parseIP(pod.ip) : undefined;
    const key = `${ns}\u0000${labelsKey(labels)}\u0000${portsKey(ports)}\u0000${this.ipSignature(address)}`;
    let cls = this.byKey.get(key);
    if (!cls) {
      cls = { id: this.classes.length, key, namespace: this.namespaceOf(ns), labels, ports, ...(address ? { address } : {}), pods: [] };
      this.classes.push(cls);
      this.byKey.set(key, cls);
    }
    if (remember) {
      cls.pods.push(pod);
      this.byPod.set(pod, cls);
    }
    return cls;
  }

  /**
   * Which ipBlocks hold the address: the number of a distinct answer (the answer itself is a
   * string of 0s and 1s, as long as there are ipBlocks, too long to key every pod by). Addresses
   * between two consecutive CIDR boundaries answer alike, so the answer is worked out once per such
   * interval and found by a binary search over the boundaries: pods are classified by the thousand,
   * ipBlocks by the hundred.
   */
  private ipSignature(addr: IPAddress | undefined): string {
    if (!addr || this.ipBlocks.length === 0) return "";
    const bounds = (this.boundaries[addr.family] ??= boundariesOf(this.ipBlocks, addr.family));
    let lo = 0;
    let hi = bounds.length; // the interval is the number of boundaries at or below the address
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (bounds[mid] <= addr.value) lo = mid + 1;
      else hi = mid;
    }
    const key = addr.family * 0x100000 + lo;
    let id = this.intervalSignatures.get(key);
    if (id === undefined) {
      let answer = "";
      for (const b of this.ipBlocks) {
        const inside = cidrContainsIP(b.cidr, addr) && !b.except.some((e) => cidrContainsIP(e, addr));
        answer += inside ? "1" : "0";
      }
      id = this.signatureIds.get(answer);
      if (id === undefined) this.signatureIds.set(answer, (id = this.signatureIds.size));
      this.intervalSignatures.set(key, id);
    }
    return String(id);
  }
}

/** Every address where some CIDR of the ipBlocks starts or ends, in one family, ascending. */
function boundariesOf(blocks: readonly CompiledIPBlock[], family: IPFamily): bigint[] {
  const points = new Set<bigint>();
  for (const b of blocks) {
    for (const c of [b.cidr, ...b.except]) {
      if (c.family !== family) continue;
      points.add(c.base);
      points.add(cidrEnd(c));
    }
  }
  return [...points].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
