/**
 * A case's namespaces on the cluster: `x` becomes `nc-<run id>-x`, so a run never touches a
 * namespace it did not create and two runs never collide. The one label the API server derives from
 * a namespace's name, `kubernetes.io/metadata.name`, is renamed the same way where a policy's
 * namespaceSelector names a case namespace, so a selector means on the cluster what it says in the
 * case. Every object gets the run's ownership labels. Pure.
 */
import { NAMESPACE_NAME_LABEL } from "../netpol/policy";
import type { KubeObject, LabelSelector, Labels } from "../netpol/types";

/** Every object a run creates carries these, so leftovers are one `kubectl delete -l` away. */
export const MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
export const MANAGED_BY_VALUE = "netpol-conformance";
export const RUN_ID_LABEL = "netpol-conformance/run-id";
export const LEFTOVER_CLEANUP_COMMAND = `kubectl delete namespaces -l ${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`;

export class RunNames {
  readonly prefix: string;

  constructor(readonly runId: string) {
    if (!/^[a-z0-9]{1,8}$/.test(runId)) throw new Error(`run id ${JSON.stringify(runId)} must be 1 to 8 lowercase letters or digits`);
    this.prefix = `nc-${runId}-`;
  }

  ownership(): Labels {
    return { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [RUN_ID_LABEL]: this.runId };
  }

  clusterNamespace(caseNamespace: string): string {
    return `${this.prefix}${caseNamespace}`;
  }

  /** The case's name of a cluster namespace, or undefined when it is not one of this run's. */
  caseNamespace(clusterNamespace: string): string | undefined {
    return clusterNamespace.startsWith(this.prefix) ? clusterNamespace.slice(this.prefix.length) : undefined;
  }

  /** "nc-ab12-x/a" → "x/a"; ids outside the run stay as they are. */
  casePodId(clusterId: string): string {
    const [ns, name] = clusterId.split("/");
    const own = this.caseNamespace(ns);
    return own === undefined ? clusterId : `${own}/${name}`;
  }

  /** Engine reasons name cluster namespaces; readers of the report know the case's. */
  caseText(text: string): string {
    return text.split(this.prefix).join("");
  }

  private selector(sel: LabelSelector | undefined, caseNamespaces: ReadonlySet<string>): LabelSelector | undefined {
    if (!sel) return sel;
    const rename = (v: string) => (caseNamespaces.has(v) ? this.clusterNamespace(v) : v);
    const out: LabelSelector = { ...sel };
    if (sel.matchLabels && NAMESPACE_NAME_LABEL in sel.matchLabels) {
      out.matchLabels = { ...sel.matchLabels, [NAMESPACE_NAME_LABEL]: rename(sel.matchLabels[NAMESPACE_NAME_LABEL]) };
    }
    if (sel.matchExpressions) {
      out.matchExpressions = sel.matchExpressions.map((r) => (r.key === NAMESPACE_NAME_LABEL && r.values ? { ...r, values: r.values.map(rename) } : r));
    }
    return out;
  }

  /**
   * The object as the run creates it: namespaced into the run, ownership-labelled, and (for a
   * NetworkPolicy) with namespace-name selectors of case namespaces renamed. The input is not changed.
   */
  toCluster(object: KubeObject, caseNamespaces: ReadonlySet<string>): KubeObject {
    const copy = structuredClone(object) as KubeObject;
    const labels = { ...(copy.metadata.labels ?? {}) };
    if (copy.kind === "Namespace") {
      copy.metadata.name = this.clusterNamespace(copy.metadata.name);
      // The API server sets this label from the name; a case that writes it means its own name.
      delete labels[NAMESPACE_NAME_LABEL];
    } else {
      copy.metadata.namespace = this.clusterNamespace(copy.metadata.namespace ?? "default");
    }
    copy.metadata.labels = { ...labels, ...this.ownership() };
    if (copy.kind === "NetworkPolicy") {
      const spec = copy.spec as { ingress?: Array<{ from?: Peer[] }>; egress?: Array<{ to?: Peer[] }> } | undefined;
      for (const rule of spec?.ingress ?? []) if (rule?.from) rule.from = rule.from.map((p) => this.peer(p, caseNamespaces));
      for (const rule of spec?.egress ?? []) if (rule?.to) rule.to = rule.to.map((p) => this.peer(p, caseNamespaces));
    }
    return copy;
  }

  private peer(p: Peer, caseNamespaces: ReadonlySet<string>): Peer {
    return p?.namespaceSelector ? { ...p, namespaceSelector: this.selector(p.namespaceSelector, caseNamespaces) } : p;
  }
}

interface Peer {
  namespaceSelector?: LabelSelector;
  [field: string]: unknown;
}
