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

/** Pods a query names: one pod (`ns/name`) or every pod of a namespace (`ns/`). */
export interface PodSelector {
  namespace: string;
  name?: string;
}

/** A question about part of the matrix; only what it selects is computed. */
export interface MatrixQuery {
  from?: PodSelector;
  to?: PodSelector;
  port?: number;
  /** Only allowed (true) or only denied (false) connections. */
  allowed?: boolean;
}

/** All pod-to-pod connections of a model, produced lazily. */
export interface ConnectivityMatrix {
  /** Pods in matrix order (namespace, then name); with a query, the pods it selects on either side. */
  pods: PodInfo[];
  /** Number of pod classes (pods the policies cannot tell apart share one). */
  classes: number;
  /** Number of connections `connections()` yields; with an `allowed` filter, an upper bound. */
  count: number;
  /** Ordered by destination, then source, then the destination's port order. */
  connections(): Iterable<Connection>;
  /** Every pod's `namespace/name`, in matrix order: what a cursor's indices point into. */
  ids: readonly string[];
  /** The same walk as `connections()`, without a Connection object per step. */
  cursor(): MatrixCursor;
}

/** A destination port, shared by every connection to it. */
export interface PortRef {
  port: number;
  portName?: string;
  protocol: Protocol;
}

/**
 * The matrix walked in place, for writers that encode connections by the million: the same
 * connections in the same order as `connections()`, with no object per connection.
 */
export interface MatrixCursor {
  /** Moves to the next connection; false once there is none. */
  next(): boolean;
  /** The connection's source and destination, as indices into the matrix's `ids`. */
  readonly source: number;
  readonly destination: number;
  /** The destination port, and its position among the destination's selected ports. */
  readonly port: PortRef;
  readonly portIndex: number;
  readonly verdict: ClassVerdict;
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
export function computeMatrix(model: ClusterModel, query: MatrixQuery = {}, engine = new ConnectivityEngine(model)): ConnectivityMatrix {
  const indexed = (model.pods ?? []).map((pod, i) => ({ pod, i, id: podId(pod) }));
  indexed.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : a.i - b.i));
  const allPods = indexed.map((e) => e.pod);
  const ids = indexed.map((e) => e.id);
  const classOfPod: PodClass[] = allPods.map((p) => engine.classifier.classOf(p));
  const classCount = engine.classifier.classes.length;

  const portRefs: PortRef[][] = classOfPod.map((c) =>
    c.ports
      .map((cp) => ({ port: cp.containerPort, protocol: protocolOf(cp), ...(cp.name ? { portName: cp.name } : {}) }))
      .filter((ref) => query.port === undefined || ref.port === query.port),
  );
  const matches = (sel: PodSelector | undefined, i: number) =>
    sel === undefined || ((allPods[i].namespace || "default") === sel.namespace && (sel.name === undefined || allPods[i].name === sel.name));
  const sources: number[] = [];
  const destinations: number[] = [];
  for (let i = 0; i < allPods.length; i++) {
    if (matches(query.from, i)) sources.push(i);
    if (matches(query.to, i) && portRefs[i].length > 0) destinations.push(i);
  }
  const sourceSet = new Set(sources);
  let count = 0;
  for (const d of destinations) count += portRefs[d].length * (sources.length - (sourceSet.has(d) ? 1 : 0));
  const selected = query.from === undefined && query.to === undefined ? allPods : allPods.filter((_, i) => sourceSet.has(i) || matches(query.to, i));

  const cursor = (): MatrixCursor => new MatrixWalk(engine, ids, classOfPod, portRefs, classCount, sources, destinations, query.allowed);
  const connections = (): Iterable<Connection> => ({ [Symbol.iterator]: () => new MatrixIterator(cursor(), ids) });
  return { pods: selected, classes: classCount, count, connections, ids, cursor };
}

/** `connections()` on top of a cursor: one small object per connection, reading through getters. */
class MatrixIterator implements Iterator<Connection> {
  private readonly result: IteratorResult<Connection> = { done: false, value: undefined as unknown as Connection };
  constructor(
    private readonly walk: MatrixCursor,
    private readonly ids: readonly string[],
  ) {}

  next(): IteratorResult<Connection> {
    const w = this.walk;
    if (!w.next()) return { done: true, value: undefined };
    (this.result as { value: Connection }).value = new MatrixConnection(this.ids[w.source], this.ids[w.destination], w.port, w.verdict);
    return this.result;
  }
}

/**
 * Walks destination pods, then source pods, then the destination's ports, computing each verdict
 * once per (source class, destination class, port). Hand-written rather than a generator: it
 * keeps its state in fields, which matters at tens of millions of steps.
 */
class MatrixWalk implements MatrixCursor {
  private readonly rows = new Map<number, ClassVerdict[]>();
  private cached = 0;
  /** Positions in `destinations` and `sources`; `d` and `s` are the pod indices there. */
  private di = -1;
  private si = 0;
  private d = -1;
  private s = 0;
  private k = 0;
  private row: ClassVerdict[] = [];
  private refs: PortRef[] = [];
  source = -1;
  destination = -1;
  port: PortRef = { port: 0, protocol: "TCP" };
  portIndex = -1;
  verdict: ClassVerdict = undefined as unknown as ClassVerdict;

  constructor(
    private readonly engine: ConnectivityEngine,
    private readonly ids: readonly string[],
    private readonly classOfPod: PodClass[],
    private readonly portRefs: PortRef[][],
    private readonly classCount: number,
    private readonly sources: number[],
    private readonly destinations: number[],
    private readonly allowed: boolean | undefined,
  ) {
    this.nextDestination();
  }

  /** The first source position at or after `from` that is not the destination itself. */
  private sourceFrom(from: number): number {
    let si = from;
    while (si < this.sources.length && this.sources[si] === this.d) si++;
    return si;
  }

  private nextDestination(): void {
    for (;;) {
      this.di++;
      if (this.di >= this.destinations.length) {
        this.d = this.ids.length; // done
        return;
      }
      this.d = this.destinations[this.di];
      this.si = this.sourceFrom(0);
      if (this.si < this.sources.length) break; // a destination nobody else can call yields nothing
    }
    this.s = this.sources[this.si];
    this.refs = this.portRefs[this.d];
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

  next(): boolean {
    for (;;) {
      const d = this.d;
      if (d >= this.ids.length) return false;
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
      // Advance: port, then source (skipping the destination itself), then destination.
      if (k + 1 < refs.length) this.k = k + 1;
      else {
        this.k = 0;
        const next = this.sourceFrom(this.si + 1);
        if (next < this.sources.length) {
          this.si = next;
          this.s = this.sources[next];
        } else this.nextDestination();
      }
      if (this.allowed !== undefined && v.allowed !== this.allowed) continue;
      this.source = s;
      this.destination = d;
      this.port = refs[k];
      this.portIndex = k;
      this.verdict = v;
      return true;
    }
  }
}
