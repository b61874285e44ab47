import { cidrContainsIP, parseCIDR, type CIDR, type IPAddress } from "./ip";
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

/** ipBlock semantics for a pod peer: its address is inside cidr and outside every except. No IP, no match. */
export function ipBlockMatches(block: CompiledIPBlock, addr: IPAddress | undefined): boolean {
  if (!addr || !cidrContainsIP(block.cidr, addr)) return false;
  return !block.except.some((e) => cidrContainsIP(e, addr));
}
