import { compileIPBlock, ipBlockMatches, type CompiledIPBlock } from "./ipblock";
import { effectivePolicyTypes, policyId, policyNamespace } from "./policy";
import { matchesSelector } from "./selectors";
import type { PodClass } from "./classes";
import type { LabelSelector, NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort } from "./types";

const UNKNOWN = 0;
const NO = 1;
const YES = 2;

/** One peer of a rule, with its answers memoised per pod class. */
export class CompiledPeer {
  private readonly memo: number[] = [];
  readonly ipBlock?: CompiledIPBlock;

  constructor(
    readonly peer: NetworkPolicyPeer,
    /** Namespace of the policy: a podSelector-only peer is confined to it. */
    private readonly policyNs: string,
  ) {
    if (peer.ipBlock) this.ipBlock = compileIPBlock(peer.ipBlock);
  }

  matches(cls: PodClass): boolean {
    const m = this.memo[cls.id];
    if (m !== undefined && m !== UNKNOWN) return m === YES;
    const r = this.compute(cls);
    this.memo[cls.id] = r ? YES : NO;
    return r;
  }

  private compute(cls: PodClass): boolean {
    const { podSelector, namespaceSelector, ipBlock } = this.peer;
    if (ipBlock) return this.ipBlock !== undefined && ipBlockMatches(this.ipBlock, cls.address);
    if (!podSelector && !namespaceSelector) return false; // invalid peer; validation rejects it
    const nsOk = namespaceSelector
      ? matchesSelector(namespaceSelector, cls.namespace.labels)
      : cls.namespace.name === this.policyNs;
    return nsOk && (!podSelector || matchesSelector(podSelector, cls.labels));
  }
}

/** An ingress or egress rule: `peers === null` means every peer (from/to absent or empty). */
export interface CompiledRule {
  index: number;
  peers: CompiledPeer[] | null;
  ports?: NetworkPolicyPort[];
}

export interface CompiledPolicy {
  id: string;
  namespace: string;
  policy: NetworkPolicy;
  podSelector: LabelSelector;
  /** Effective policyTypes; rules of a direction not listed are ignored. */
  ingress: boolean;
  egress: boolean;
  ingressRules: CompiledRule[];
  egressRules: CompiledRule[];
}

function compileRules(
  rules: Array<{ from?: NetworkPolicyPeer[]; to?: NetworkPolicyPeer[]; ports?: NetworkPolicyPort[] }> | undefined,
  key: "from" | "to",
  ns: string,
): CompiledRule[] {
  return (rules ?? []).map((rule, index) => {
    const peers = rule?.[key];
    return {
      index,
      peers: peers && peers.length > 0 ? peers.map((p) => new CompiledPeer(p, ns)) : null,
      ports: rule?.ports ?? undefined,
    };
  });
}

export function compilePolicy(policy: NetworkPolicy): CompiledPolicy {
  const ns = policyNamespace(policy);
  const types = effectivePolicyTypes(policy);
  return {
    id: policyId(policy),
    namespace: ns,
    policy,
    podSelector: policy.spec?.podSelector ?? {},
    ingress: types.ingress,
    egress: types.egress,
    ingressRules: types.ingress ? compileRules(policy.spec?.ingress, "from", ns) : [],
    egressRules: types.egress ? compileRules(policy.spec?.egress, "to", ns) : [],
  };
}

/** Whether a rule's peer list admits a pod class. */
export function ruleAdmitsPeer(rule: CompiledRule, cls: PodClass): boolean {
  if (rule.peers === null) return true;
  for (const p of rule.peers) if (p.matches(cls)) return true;
  return false;
}

/** Every distinct ipBlock of the policies (they decide how finely pods with IPs must be split). */
export function collectIPBlocks(policies: readonly CompiledPolicy[]): CompiledIPBlock[] {
  const seen = new Map<string, CompiledIPBlock>();
  for (const pol of policies) {
    for (const rule of [...pol.ingressRules, ...pol.egressRules]) {
      for (const peer of rule.peers ?? []) {
        if (peer.ipBlock && !seen.has(peer.ipBlock.key)) seen.set(peer.ipBlock.key, peer.ipBlock);
      }
    }
  }
  return [...seen.values()];
}
