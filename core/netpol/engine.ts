import { PodClassifier, type PodClass } from "./classes";
import { collectIPBlocks, compilePolicy, ruleAdmitsPeer, type CompiledPolicy } from "./compiled";
import { implicitNamespace, namespaceIndex } from "./namespaces";
import { protocolOf, resolveNamedPort, rulePortsMatch } from "./ports";
import { matchesSelector } from "./selectors";
import { formatReason, NOT_ISOLATED, type DirectionVerdict, type Verdict } from "./verdict";
import type { ClusterModel, NamespaceInfo, PodInfo, Protocol } from "./types";

/** A verdict that does not depend on pod names, shared by all pods of two classes. */
export interface ClassVerdict {
  allowed: boolean;
  ingress: DirectionVerdict;
  egress: DirectionVerdict;
}

/** Policies selecting a class, per direction, with the verdicts already handed out for it. */
interface Targets {
  ingress: CompiledPolicy[];
  egress: CompiledPolicy[];
  ingressIds: string[];
  egressIds: string[];
  /** Interned verdicts keyed by the admitting rules, so equal verdicts are one object. */
  ingressVerdicts: Map<string, InternedVerdict>;
  egressVerdicts: Map<string, InternedVerdict>;
}

interface InternedVerdict {
  id: number;
  verdict: DirectionVerdict;
}

const NOT_ISOLATED_ENTRY: InternedVerdict = { id: 0, verdict: NOT_ISOLATED };

/** "namespace/name" of a pod. */
export function podId(pod: PodInfo): string {
  return `${pod.namespace || "default"}/${pod.name}`;
}

/**
 * Answers "may pod A open a connection to pod B on port P" under
 * networking.k8s.io/v1 semantics. Policies are indexed by namespace, pods are
 * folded into classes, and peer matches are memoised per class, so repeated
 * questions cost a few array lookups.
 */
export class ConnectivityEngine {
  readonly namespaces: Map<string, NamespaceInfo>;
  readonly policies: CompiledPolicy[];
  readonly classifier: PodClassifier;
  private readonly policiesByNs = new Map<string, CompiledPolicy[]>();
  private readonly targets: Targets[] = [];
  private readonly classVerdicts = new Map<number, ClassVerdict>();
  private nextVerdictId = 1;

  constructor(readonly model: ClusterModel) {
    this.namespaces = namespaceIndex(model);
    this.policies = (model.policies ?? []).map(compilePolicy);
    for (const p of this.policies) {
      const list = this.policiesByNs.get(p.namespace);
      if (list) list.push(p);
      else this.policiesByNs.set(p.namespace, [p]);
    }
    this.classifier = new PodClassifier((name) => this.namespaceOf(name), collectIPBlocks(this.policies));
    for (const pod of model.pods ?? []) this.classifier.classOf(pod);
  }

  private namespaceOf(name: string): NamespaceInfo {
    let ns = this.namespaces.get(name);
    if (!ns) {
      ns = implicitNamespace(name);
      this.namespaces.set(name, ns);
    }
    return ns;
  }

  /** The class of a pod of the model, or of a probe pod (not added to the model). */
  classOf(pod: PodInfo): PodClass {
    return this.classifier.classOf(pod, false);
  }

  /** Policies of the class's namespace that select it, per direction. */
  targetsOf(cls: PodClass): Targets {
    let t = this.targets[cls.id];
    if (!t) {
      const ingress: CompiledPolicy[] = [];
      const egress: CompiledPolicy[] = [];
      for (const p of this.policiesByNs.get(cls.namespace.name) ?? []) {
        if (!matchesSelector(p.podSelector, cls.labels)) continue;
        if (p.ingress) ingress.push(p);
        if (p.egress) egress.push(p);
      }
      t = {
        ingress,
        egress,
        ingressIds: Object.freeze(ingress.map((p) => p.id)) as string[],
        egressIds: Object.freeze(egress.map((p) => p.id)) as string[],
        ingressVerdicts: new Map(),
        egressVerdicts: new Map(),
      };
      this.targets[cls.id] = t;
    }
    return t;
  }

  /** Ingress to `dst` from `src`: allowed unless isolated and no rule admits src on the port. */
  ingressVerdict(src: PodClass, dst: PodClass, port: number, protocol: Protocol): DirectionVerdict {
    return this.ingressInterned(src, dst, port, protocol).verdict;
  }

  /** Egress from `src` to `dst`; named ports resolve against the destination. */
  egressVerdict(src: PodClass, dst: PodClass, port: number, protocol: Protocol): DirectionVerdict {
    return this.egressInterned(src, dst, port, protocol).verdict;
  }

  private ingressInterned(src: PodClass, dst: PodClass, port: number, protocol: Protocol): InternedVerdict {
    const t = this.targetsOf(dst);
    if (t.ingress.length === 0) return NOT_ISOLATED_ENTRY;
    let key = "";
    for (let i = 0; i < t.ingress.length; i++) {
      for (const r of t.ingress[i].ingressRules) {
        if (rulePortsMatch(r.ports, port, protocol, dst.ports) && ruleAdmitsPeer(r, src)) key += `${i}:${r.index},`;
      }
    }
    return this.intern(t.ingressVerdicts, key, t.ingress, t.ingressIds);
  }

  private egressInterned(src: PodClass, dst: PodClass, port: number, protocol: Protocol): InternedVerdict {
    const t = this.targetsOf(src);
    if (t.egress.length === 0) return NOT_ISOLATED_ENTRY;
    let key = "";
    for (let i = 0; i < t.egress.length; i++) {
      for (const r of t.egress[i].egressRules) {
        if (rulePortsMatch(r.ports, port, protocol, dst.ports) && ruleAdmitsPeer(r, dst)) key += `${i}:${r.index},`;
      }
    }
    return this.intern(t.egressVerdicts, key, t.egress, t.egressIds);
  }

  /** Verdicts are shared (and frozen): a matrix hands the same few out millions of times. */
  private intern(cache: Map<string, InternedVerdict>, key: string, pols: CompiledPolicy[], ids: string[]): InternedVerdict {
    let e = cache.get(key);
    if (!e) {
      const allowedBy = key
        .split(",")
        .filter((x) => x.length > 0)
        .map((x) => {
          const [i, rule] = x.split(":").map(Number);
          return Object.freeze({ policy: pols[i].id, rule });
        });
      const verdict: DirectionVerdict = Object.freeze({
        allowed: allowedBy.length > 0,
        isolated: true,
        policies: ids,
        allowedBy: Object.freeze(allowedBy) as Array<{ policy: string; rule: number }>,
      });
      e = { id: this.nextVerdictId++, verdict };
      cache.set(key, e);
    }
    return e;
  }

  /** Verdict of a connection between two classes; equal verdicts are the same (frozen) object. */
  classVerdict(src: PodClass, dst: PodClass, port: number, protocol: Protocol): ClassVerdict {
    const e = this.egressInterned(src, dst, port, protocol);
    const i = this.ingressInterned(src, dst, port, protocol);
    const key = e.id * 0x100000000 + i.id;
    let v = this.classVerdicts.get(key);
    if (!v) {
      v = Object.freeze({ allowed: e.verdict.allowed && i.verdict.allowed, egress: e.verdict, ingress: i.verdict });
      this.classVerdicts.set(key, v);
    }
    return v;
  }

  /**
   * Verdict for `from` → `to` on a port number or on the name of one of
   * `to`'s container ports. The protocol defaults to TCP (for a named port, to
   * the protocol of that container port). Pods need not be part of the model.
   */
  evaluate(from: PodInfo, to: PodInfo, port: number | string, protocol?: Protocol): Verdict {
    const src = this.classOf(from);
    const dst = this.classOf(to);
    const fromId = podId(from);
    const toId = podId(to);
    if (typeof port === "string") {
      const cp = resolveNamedPort(port, dst.ports, protocol);
      if (!cp) {
        const proto = protocol ?? "TCP";
        const v = this.classVerdict(src, dst, Number.NaN, proto);
        return {
          allowed: false,
          egress: v.egress,
          ingress: v.ingress,
          reason: `denied: ${toId} declares no ${protocol ? `${protocol} ` : ""}port named "${port}"`,
        };
      }
      const proto = protocolOf(cp);
      const v = this.classVerdict(src, dst, cp.containerPort, proto);
      return { ...v, reason: formatReason(fromId, toId, v.egress, v.ingress, cp.containerPort, proto, port) };
    }
    const proto = protocol ?? "TCP";
    const v = this.classVerdict(src, dst, port, proto);
    return { ...v, reason: formatReason(fromId, toId, v.egress, v.ingress, port, proto) };
  }
}

/** One-shot convenience over ConnectivityEngine (build an engine to ask many questions). */
export function evaluateConnection(
  model: ClusterModel,
  from: PodInfo,
  to: PodInfo,
  port: number | string,
  protocol?: Protocol,
): Verdict {
  return new ConnectivityEngine(model).evaluate(from, to, port, protocol);
}
