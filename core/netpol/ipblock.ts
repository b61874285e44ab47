import { cidrContainsIP, parseCIDR, parseIP, type CIDR, type IPAddress } from "./ip";
import type { IPBlock } from "./types";

/** A validated ipBlock ready for matching. */
export interface CompiledIPBlock {
  cidr: CIDR;
  except: CIDR[];
  /** Canonical text, used to fold pods that no ipBlock can tell apart. */
  key: string;
}

/** Compiles an ipBlock; returns undefined when a CIDR is unparsable (validation reports it). */
export function compileIPBlock(block: IPBlock): CompiledIPBlock | undefined {
  const cidr = parseCIDR(block.cidr);
  if (!cidr) return undefined;
  const except: CIDR[] = [];
  for (const e of block.except ?? []) {
    const c = parseCIDR(e);
    if (!c) return undefined;
    except.push(c);
  }
  return { cidr, except, key: `${block.cidr}!${(block.except ?? []).join(",")}` };
}

/** ipBlock semantics for a pod peer: its IP is inside cidr and outside every except. No IP, no match. */
export function ipBlockMatches(block: CompiledIPBlock, ip: string | undefined): boolean {
  if (!ip) return false;
  const addr = parsedIP(ip);
  if (!addr || !cidrContainsIP(block.cidr, addr)) return false;
  return !block.except.some((e) => cidrContainsIP(e, addr));
}

/**
 * The same few thousand pod IPs are matched against every ipBlock peer of every rule: parse each
 * once. Bounded, so a long-lived process matching endless addresses keeps flat memory.
 */
const parsedIPs = new Map<string, IPAddress | null>();
const MAX_PARSED_IPS = 100_000;
function parsedIP(ip: string): IPAddress | undefined {
  let addr = parsedIPs.get(ip);
  if (addr === undefined) {
    addr = parseIP(ip) ?? null;
    if (parsedIPs.size >= MAX_PARSED_IPS) parsedIPs.clear();
    parsedIPs.set(ip, addr);
  }
  return addr ?? undefined;
}
