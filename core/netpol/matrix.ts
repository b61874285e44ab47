import { ConnectivityEngine, podId, type ClassVerdict } from "./engine";
import { podNamespace } from "./namespaces";
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

/** Whether a query's pod selector names the pod; no selector names every pod. */
export function selectsPod(sel: PodSelector | undefined, pod: { namespace?: string; name: string }): boolean {
  return sel === undefined || (podNamespace(pod) === sel.namespace && (sel.name === undefined || pod.name === sel.name));
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
  /** The same connections a destination at a time (what the cursor walks). */
  rows(): Iterable<MatrixRow>;
  /** The query's `allowed` filter, which rows leave to their reader. */
  allowed?: boolean;
}

/** A destination port, shared by every connection to it. */
export interface PortRef {
  port: number;
  portName?: string;
  protocol: Protocol;
}

/**
 * One destination's connections: for each source in order (skipping the destination itself) and
 * each port, `verdicts[sourceClass[source] * ports.length + port position]`. The matrix's
 * `allowed` filter is left to the reader. Writers that go a row at a time touch no object per
 * connection at all.
 */
export interface MatrixRow {
  /** Index into the matrix's `ids`. */
  readonly destination: number;
  /** The destination's ports the query selects, in its order. */
  readonly ports: readonly PortRef[];
  /** The query's sources, as indices into `ids`, in matrix order; the destination may be among them. */
  readonly sources: readonly number[];
  /** Pod class id of every pod, by index into `ids`. */
  readonly sourceClass: Int32Array;
  readonly verdicts: readonly ClassVerdict[];
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

  // Pods of a class declare the same ports: one list of refs per class.
  const classPorts: PortRef[][] = engine.classifier.classes.map((c) =>
    c.ports
      .map((cp) => ({ port: cp.containerPort, protocol: protocolOf(cp), ...(cp.name ? { portName: cp.name } : {}) }))
      .filter((ref) => query.port === undefined || ref.port === query.port),
  );
  const portRefs = (i: number): PortRef[] => classPorts[classOfPod[i].id];
  const matches = (sel: PodSelector | undefined, i: number) => selectsPod(sel, allPods[i]);
  const sources: number[] = [];
  const destinations: number[] = [];
  for (let i = 0; i < allPods.length; i++) {
    if (matches(query.from, i)) sources.push(i);
    if (matches(query.to, i) && portRefs(i).length > 0) destinations.push(i);
  }
  const sourceSet = new Set(sources);
  let count = 0;
  for (const d of destinations) count += portRefs(d).length * (sources.length - (sourceSet.has(d) ? 1 : 0));
  const selected = query.from === undefined && query.to === undefined ? allPods : allPods.filter((_, i) => sourceSet.has(i) || matches(query.to, i));

  const sourceClass = Int32Array.from(classOfPod, (c) => c.id);
  const sourceClasses = [...new Set(sources.map((s) => classOfPod[s]))];
  const rows = (): Iterable<MatrixRow> => matrixRows(engine, classOfPod, classPorts, classCount, sources, sourceClasses, sourceClass, destinations);
  const cursor = (): MatrixCursor => new MatrixWalk(rows()[Symbol.iterator](), query.allowed);
  const connections = (): Iterable<Connection> => ({ [Symbol.iterator]: () => new MatrixIterator(cursor(), ids) });
  return { pods: selected, classes: classCount, count, connections, ids, cursor, rows, ...(query.allowed !== undefined ? { allowed: query.allowed } : {}) };
}

/**
 * A row per destination that any other source can call. Verdicts are computed per (source class,
 * destination class, port) and kept per destination class, within a bound so huge matrices stay
 * within memory.
 */
function* matrixRows(
  engine: ConnectivityEngine,
  classOfPod: readonly PodClass[],
  classPorts: readonly PortRef[][],
  classCount: number,
  sources: readonly number[],
  sourceClasses: readonly PodClass[],
  sourceClass: Int32Array,
  destinations: readonly number[],
): Generator<MatrixRow> {
  const cache = new Map<number, ClassVerdict[]>();
  let cached = 0;
  for (const d of destinations) {
    if (sources.length === 0 || (sources.length === 1 && sources[0] === d)) continue; // nobody else can call it
    const dst = classOfPod[d];
    const ports = classPorts[dst.id];
    let verdicts = cache.get(dst.id);
    if (!verdicts) {
      const size = classCount * ports.length;
      if (cached + size > MAX_CACHED_VERDICTS) {
        cache.clear();
        cached = 0;
      }
      verdicts = new Array<ClassVerdict>(size);
      for (const src of sourceClasses) {
        for (let k = 0; k < ports.length; k++) verdicts[src.id * ports.length + k] = engine.classVerdict(src, dst, ports[k].port, ports[k].protocol);
      }
      cache.set(dst.id, verdicts);
      cached += size;
    }
    yield { destination: d, ports, sources, sourceClass, verdicts };
  }
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

/** Walks the rows: destination pods, then source pods (skipping the destination), then ports. */
class MatrixWalk implements MatrixCursor {
  private row: MatrixRow | undefined;
  /** Position in the row's sources, and the next port position. */
  private si = 0;
  private k = 0;
  source = -1;
  destination = -1;
  port: PortRef = { port: 0, protocol: "TCP" };
  portIndex = -1;
  verdict: ClassVerdict = undefined as unknown as ClassVerdict;

  constructor(
    private readonly rows: Iterator<MatrixRow>,
    private readonly allowed: boolean | undefined,
  ) {
    this.nextRow();
  }

  private nextRow(): void {
    const r = this.rows.next();
    this.row = r.done ? undefined : r.value;
    this.si = 0;
    this.k = 0;
  }

  next(): boolean {
    for (;;) {
      const row = this.row;
      if (row === undefined) return false;
      if (this.si >= row.sources.length) {
        this.nextRow();
        continue;
      }
      const s = row.sources[this.si];
      if (s === row.destination) {
        this.si++;
        continue;
      }
      const k = this.k;
      const v = row.verdicts[row.sourceClass[s] * row.ports.length + k];
      if (k + 1 < row.ports.length) this.k = k + 1;
      else {
        this.k = 0;
        this.si++;
      }
      if (this.allowed !== undefined && v.allowed !== this.allowed) continue;
      this.source = s;
      this.destination = row.destination;
      this.port = row.ports[k];
      this.portIndex = k;
      this.verdict = v;
      return true;
    }
  }
}
