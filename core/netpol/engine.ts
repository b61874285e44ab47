import { PodClassifier, type PodClass } from "./classes";
import { collectIPBlocks, compilePolicy, ruleAdmitsPeer, type CompiledPolicy, type CompiledRule } from "./compiled";
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
  /** The rules of those policies, flattened; a rule's position is its bit in a verdict key. */
  ingressRules: FlatRule[];
  egressRules: FlatRule[];
  /** Interned verdicts keyed by the admitting rules, so equal verdicts are one object. */
  ingressVerdicts: Map<number | string, InternedVerdict>;
  egressVerdicts: Map<number | string, InternedVerdict>;
}

interface FlatRule {
  policy: string;
  rule: CompiledRule;
}

/** Up to this many rules per pod, the set of admitting rules is keyed by a 31-bit mask. */
const MASK_RULES = 31;

function flatten(pols: CompiledPolicy[], dir: "ingressRules" | "egressRules"): FlatRule[] {
  return pols.flatMap((p) => p[dir].map((rule) => ({ policy: p.id, rule })));
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
        ingressRules: flatten(ingress, "ingressRules"),
        egressRules: flatten(egress, "egressRules"),
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
    return this.interned(t.ingressRules, src, dst, port, protocol, t.ingressVerdicts, t.ingressIds);
  }

  private egressInterned(src: PodClass, dst: PodClass, port: number, protocol: Protocol): InternedVerdict {
    const t = this.targetsOf(src);
    if (t.egress.length === 0) return NOT_ISOLATED_ENTRY;
    return this.interned(t.egressRules, dst, dst, port, protocol, t.egressVerdicts, t.egressIds);
  }

  /**
   * The verdict of an isolated direction: which of `rules` admit `peer` on the
   * port of `dst` (ports always resolve on the destination). Verdicts are
   * shared and frozen: a matrix hands the same few out millions of times.
   */
  private interned(
    rules: FlatRule[],
    peer: PodClass,
    dst: PodClass,
    port: number,
    protocol: Protocol,
    cache: Map<number | string, InternedVerdict>,
    ids: string[],
  ): InternedVerdict {
    let key: number | string;
    if (rules.length <= MASK_RULES) {
      let mask = 0;
      for (let j = 0; j < rules.length; j++) {
        const r = rules[j].rule;
        if (rulePortsMatch(r.ports, port, protocol, dst.ports) && ruleAdmitsPeer(r, peer)) mask |= 1 << j;
      }
      key = mask;
    } else {
      let text = "";
      for (let j = 0; j < rules.length; j++) {
        const r = rules[j].rule;
        if (rulePortsMatch(r.ports, port, protocol, dst.ports) && ruleAdmitsPeer(r, peer)) text += `${j},`;
      }
      key = text;
    }
    let e = cache.get(key);
    if (!e) {
      const admitting =
        typeof key === "number" ? rules.filter((_, j) => ((key as number) & (1 << j)) !== 0) : key.split(",").filter((x) => x).map((x) => rules[Number(x)]);
      const allowedBy = admitting.map((f) => Object.freeze({ policy: f.policy, rule: f.rule.index }));
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
