/**
 * What "the enforcer is stopped" means on the local cluster. Stopping kube-router's process leaves
 * its iptables chains and ipsets in the kernel, still enforcing the last policies it saw (and its
 * own --cleanup-config is broken in v2.1.0), so the rules go too. What stays is a cluster that
 * stores NetworkPolicies and enforces none: a cluster without a policy engine.
 */

/** kube-router's own chains (pkg/controllers/netpol: KUBE-ROUTER-*, KUBE-NWPLCY-*, KUBE-POD-FW-*). */
const ENFORCER_CHAIN = /^(KUBE-ROUTER-|KUBE-NWPLCY-|KUBE-POD-FW-)/;
/** Its ipsets: the source and destination sets of every policy. */
const ENFORCER_IPSET = /^(KUBE-SRC-|KUBE-DST-)/;

/**
 * The `iptables-save` text of one table without kube-router's chains and the rules that jump to
 * them; every other line (kube-proxy's, the kubelet's) is kept as it is.
 */
export function withoutEnforcerRules(saved: string): string {
  return saved
    .split("\n")
    .filter((line) => {
      const declared = /^:(\S+)/.exec(line)?.[1];
      if (declared !== undefined) return !ENFORCER_CHAIN.test(declared);
      const rule = /^-A (\S+)(.*)$/.exec(line);
      if (!rule) return true;
      const target = /(?:^| )-[jg] (\S+)/.exec(rule[2])?.[1];
      return !ENFORCER_CHAIN.test(rule[1]) && !(target !== undefined && ENFORCER_CHAIN.test(target));
    })
    .join("\n");
}

export function enforcerIpsets(names: string): string[] {
  return names
    .split("\n")
    .map((n) => n.trim())
    .filter((n) => ENFORCER_IPSET.test(n));
}

type Run = (command: string, args: string[], input?: string) => Promise<string>;

/** Removes kube-router's rules from the filter table, then its ipsets (free once no rule uses them). */
export async function flushEnforcerRules(run: Run): Promise<void> {
  const saved = await run("iptables-save", ["-t", "filter"]);
  await run("iptables-restore", ["-w", "5"], withoutEnforcerRules(saved));
  for (const set of enforcerIpsets(await run("ipset", ["list", "-n"]))) await run("ipset", ["destroy", set]);
}
