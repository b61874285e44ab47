import { ConnectivityEngine, podId, type ClassVerdict } from "./engine";
import { protocolOf } from "./ports";
import { formatReason, type DirectionVerdict } from "./verdict";
import type { PodClass } from "./classes";
import type { ClusterModel, PodInfo, Protocol } from "./types";

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

/** A destination port, shared by every connection to it. */
interface PortRef {
  port: number;
  portName?: string;
  protocol: Protocol;
}

/**
 * Connections are created by the million, so each holds only four references
 * and reads the rest through getters. The reason is formatted on demand: it
 * names pods, so it cannot be shared across a class, and most consumers never
 * read it.
 */
class MatrixConnection implements Connection {
  constructor(
    readonly from: string,
    readonly to: string,
    private readonly p: PortRef,
    private readonly v: ClassVerdict,
  ) {}

  get port(): number {
    return this.p.port;
  }
  get portName(): string | undefined {
    return this.p.portName;
  }
  get protocol(): Protocol {
    return this.p.protocol;
  }
  get allowed(): boolean {
    return this.v.allowed;
  }
  get ingress(): DirectionVerdict {
    return this.v.ingress;
  }
  get egress(): DirectionVerdict {
    return this.v.egress;
  }
  get reason(): string {
    return formatReason(this.from, this.to, this.v.egress, this.v.ingress, this.p.port, this.p.protocol, this.p.portName);
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

  const portRefs: PortRef[][] = classOfPod.map((c) =>
    c.ports.map((cp) => ({ port: cp.containerPort, protocol: protocolOf(cp), ...(cp.name ? { portName: cp.name } : {}) })),
  );
  const connections = (): Iterable<Connection> => ({
    [Symbol.iterator]: () => new MatrixIterator(engine, ids, classOfPod, portRefs, classCount),
  });
  return { pods, classes: classCount, count, connections };
}

/**
 * Walks destination pods, then source pods, then the destination's ports.
 * Hand-written rather than a generator: it reuses its result object, which
 * matters at tens of millions of steps.
 */
class MatrixIterator implements Iterator<Connection> {
  private readonly rows = new Map<number, ClassVerdict[]>();
  private cached = 0;
  private d = -1;
  private s = 0;
  private k = 0;
  private row: ClassVerdict[] = [];
  private refs: PortRef[] = [];
  private readonly result: IteratorResult<Connection> = { done: false, value: undefined as unknown as Connection };

  constructor(
    private readonly engine: ConnectivityEngine,
    private readonly ids: string[],
    private readonly classOfPod: PodClass[],
    private readonly portRefs: PortRef[][],
    private readonly classCount: number,
  ) {
    this.nextDestination();
  }

  private nextDestination(): void {
    const n = this.ids.length;
    // With fewer than two pods there is no pair of distinct pods at all.
    if (n < 2) {
      this.d = n;
      return;
    }
    do this.d++;
    while (this.d < n && this.portRefs[this.d].length === 0);
    if (this.d >= n) return;
    this.refs = this.portRefs[this.d];
    this.s = this.d === 0 ? 1 : 0;
    this.k = 0;
    const dst = this.classOfPod[this.d];
    let row = this.rows.get(dst.id);
    if (!row) {
      const size = this.classCount * this.refs.length;
      if (this.cached + size > MAX_CACHED_VERDICTS) {
        this.rows.clear();
        this.cached = 0;
      }
      row = new Array<ClassVerdict>(size);
      this.rows.set(dst.id, row);
      this.cached += size;
    }
    this.row = row;
  }

  next(): IteratorResult<Connection> {
    const d = this.d;
    if (d >= this.ids.length) return { done: true, value: undefined };
    const s = this.s;
    const k = this.k;
    const refs = this.refs;
    const src = this.classOfPod[s];
    const slot = src.id * refs.length + k;
    let v = this.row[slot];
    if (v === undefined) {
      const ref = refs[k];
      v = this.engine.classVerdict(src, this.classOfPod[d], ref.port, ref.protocol);
      this.row[slot] = v;
    }
    const value = new MatrixConnection(this.ids[s], this.ids[d], refs[k], v);
    // Advance: port, then source (skipping the destination itself), then destination.
    if (k + 1 < refs.length) this.k = k + 1;
    else {
      this.k = 0;
      let ns = s + 1;
      if (ns === d) ns++;
      if (ns < this.ids.length) this.s = ns;
      else this.nextDestination();
    }
    (this.result as { value: Connection }).value = value;
    return this.result;
  }
}
