import { ConnectivityEngine, podId, type ClassVerdict } from "./engine";
import { protocolOf } from "./ports";
import { formatReason, type DirectionVerdict } from "./verdict";
import type { PodClass } from "./classes";
import type { ClusterModel, ContainerPort, PodInfo, Protocol } from "./types";

/** One (source pod, destination pod, destination port) of the matrix. */
export interface Connection {
  from: string;
  to: string;
  port: number;
  portName?: string;
  protocol: Protocol;
  allowed: boolean;
  ingress: DirectionVerdict;
  egress: DirectionVerdict;
  reason: string;
}

/** All pod-to-pod connections of a model, produced lazily. */
export interface ConnectivityMatrix {
  /** Pods in matrix order (namespace, then name). */
  pods: PodInfo[];
  /** Number of pod classes (pods the policies cannot tell apart share one). */
  classes: number;
  /** Number of connections `connections()` yields. */
  count: number;
  /** Ordered by destination, then source, then the destination's port order. */
  connections(): Iterable<Connection>;
}

/**
 * The reason is formatted on demand: it names pods, so it cannot be shared
 * across a class, and most consumers never read it.
 */
class MatrixConnection implements Connection {
  readonly allowed: boolean;
  readonly ingress: DirectionVerdict;
  readonly egress: DirectionVerdict;
  readonly portName?: string;

  constructor(
    readonly from: string,
    readonly to: string,
    readonly port: number,
    portName: string | undefined,
    readonly protocol: Protocol,
    v: ClassVerdict,
  ) {
    this.allowed = v.allowed;
    this.ingress = v.ingress;
    this.egress = v.egress;
    if (portName !== undefined) this.portName = portName;
  }

  get reason(): string {
    return formatReason(this.from, this.to, this.egress, this.ingress, this.port, this.protocol, this.portName);
  }

  toJSON(): Connection {
    return {
      from: this.from,
      to: this.to,
      port: this.port,
      ...(this.portName !== undefined ? { portName: this.portName } : {}),
      protocol: this.protocol,
      allowed: this.allowed,
      ingress: this.ingress,
      egress: this.egress,
      reason: this.reason,
    };
  }
}

/** Verdict rows cached per destination class are bounded so huge matrices stay within memory. */
const MAX_CACHED_VERDICTS = 4_000_000;

/**
 * Computes the connectivity matrix: one entry per ordered pair of distinct
 * pods and per container port the destination declares. Verdicts are computed
 * per (source class, destination class, port) and expanded to pods lazily.
 */
export function computeMatrix(model: ClusterModel): ConnectivityMatrix {
  const engine = new ConnectivityEngine(model);
  const indexed = (model.pods ?? []).map((pod, i) => ({ pod, i, id: podId(pod) }));
  indexed.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : a.i - b.i));
  const pods = indexed.map((e) => e.pod);
  const ids = indexed.map((e) => e.id);
  const classOfPod: PodClass[] = pods.map((p) => engine.classifier.classOf(p));
  const classCount = engine.classifier.classes.length;
  let count = 0;
  for (const c of classOfPod) count += (c.ports.length) * (pods.length - 1);

  function* connections(): Generator<Connection> {
    const rows = new Map<number, ClassVerdict[]>();
    let cached = 0;
    for (let d = 0; d < pods.length; d++) {
      const dst = classOfPod[d];
      const ports: ContainerPort[] = dst.ports;
      if (ports.length === 0) continue;
      let row = rows.get(dst.id);
      if (!row) {
        if (cached + classCount * ports.length > MAX_CACHED_VERDICTS) {
          rows.clear();
          cached = 0;
        }
        row = new Array<ClassVerdict>(classCount * ports.length);
        rows.set(dst.id, row);
        cached += row.length;
      }
      const toId = ids[d];
      for (let s = 0; s < pods.length; s++) {
        if (s === d) continue;
        const src = classOfPod[s];
        const fromId = ids[s];
        for (let k = 0; k < ports.length; k++) {
          const cp = ports[k];
          const proto = protocolOf(cp);
          const slot = src.id * ports.length + k;
          let v = row[slot];
          if (!v) {
            v = engine.classVerdict(src, dst, cp.containerPort, proto);
            row[slot] = v;
          }
          yield new MatrixConnection(fromId, toId, cp.containerPort, cp.name, proto, v);
        }
      }
    }
  }

  return { pods, classes: classCount, count, connections };
}
