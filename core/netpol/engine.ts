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

interface Targets {
  ingress: CompiledPolicy[];
  egress: CompiledPolicy[];
}

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
      t = { ingress: [], egress: [] };
      for (const p of this.policiesByNs.get(cls.namespace.name) ?? []) {
        if (!matchesSelector(p.podSelector, cls.labels)) continue;
        if (p.ingress) t.ingress.push(p);
        if (p.egress) t.egress.push(p);
      }
      this.targets[cls.id] = t;
    }
    return t;
  }

  /** Ingress to `dst` from `src`: allowed unless isolated and no rule admits src on the port. */
  ingressVerdict(src: PodClass, dst: PodClass, port: number, protocol: Protocol): DirectionVerdict {
    const pols = this.targetsOf(dst).ingress;
    if (pols.length === 0) return NOT_ISOLATED;
    const allowedBy: Array<{ policy: string; rule: number }> = [];
    for (const p of pols) {
      for (const r of p.ingressRules) {
        if (rulePortsMatch(r.ports, port, protocol, dst.ports) && ruleAdmitsPeer(r, src)) {
          allowedBy.push({ policy: p.id, rule: r.index });
        }
      }
    }
    return { allowed: allowedBy.length > 0, isolated: true, policies: pols.map((p) => p.id), allowedBy };
  }

  /** Egress from `src` to `dst`; named ports resolve against the destination. */
  egressVerdict(src: PodClass, dst: PodClass, port: number, protocol: Protocol): DirectionVerdict {
    const pols = this.targetsOf(src).egress;
    if (pols.length === 0) return NOT_ISOLATED;
    const allowedBy: Array<{ policy: string; rule: number }> = [];
    for (const p of pols) {
      for (const r of p.egressRules) {
        if (rulePortsMatch(r.ports, port, protocol, dst.ports) && ruleAdmitsPeer(r, dst)) {
          allowedBy.push({ policy: p.id, rule: r.index });
        }
      }
    }
    return { allowed: allowedBy.length > 0, isolated: true, policies: pols.map((p) => p.id), allowedBy };
  }

  classVerdict(src: PodClass, dst: PodClass, port: number, protocol: Protocol): ClassVerdict {
    const egress = this.egressVerdict(src, dst, port, protocol);
    const ingress = this.ingressVerdict(src, dst, port, protocol);
    return { allowed: egress.allowed && ingress.allowed, egress, ingress };
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
