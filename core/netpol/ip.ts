/**
 * IPv4/IPv6 address and CIDR arithmetic on bigints. Hand-written rather than
 * delegated to node:net because ipBlock needs containment tests on prefixes,
 * which node:net does not expose for arbitrary pairs of CIDRs.
 */

export type IPFamily = 4 | 6;

export interface IPAddress {
  family: IPFamily;
  value: bigint;
}

export interface CIDR {
  family: IPFamily;
  /** Network address with host bits cleared. */
  base: bigint;
  prefix: number;
}

/** Address width per family. */
export const ADDRESS_BITS: Record<IPFamily, number> = { 4: 32, 6: 128 };
const BITS = ADDRESS_BITS;

/** The first address after the CIDR (one past its last). */
export function cidrEnd(c: CIDR): bigint {
  return c.base + (1n << BigInt(BITS[c.family] - c.prefix));
}

function parseIPv4(text: string): bigint | undefined {
  // Four dot-separated parts of one to three digits, each at most 255. Kubernetes parses CIDRs
  // "sloppily": leading zeros are decimal, not octal. Read by character code: pods are parsed by
  // the thousand.
  let value = 0;
  let part = 0;
  let digits = 0;
  let parts = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 46; // a final "."
    if (c === 46) {
      if (digits === 0 || part > 255 || ++parts > 4) return undefined;
      value = value * 256 + part;
      part = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57 && digits < 3) {
      part = part * 10 + (c - 48);
      digits++;
    } else return undefined;
  }
  return parts === 4 ? BigInt(value) : undefined;
}

function parseIPv6(text: string): bigint | undefined {
  let head = text;
  let v4tail: bigint | undefined;
  const lastColon = text.lastIndexOf(":");
  if (lastColon >= 0 && text.slice(lastColon + 1).includes(".")) {
    v4tail = parseIPv4(text.slice(lastColon + 1));
    if (v4tail === undefined) return undefined;
    head = text.slice(0, lastColon + 1) + "0:0";
  }
  const halves = head.split("::");
  if (halves.length > 2) return undefined;
  const parseGroups = (s: string): string[] | undefined => (s === "" ? [] : s.split(":"));
  const left = parseGroups(halves[0]);
  const right = halves.length === 2 ? parseGroups(halves[1]) : [];
  if (!left || !right) return undefined;
  const explicit = left.length + right.length;
  if (halves.length === 2 ? explicit > 7 : explicit !== 8) return undefined;
  const groups = [...left, ...new Array<string>(8 - explicit).fill("0"), ...right];
  let value = 0n;
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    value = (value << 16n) | BigInt(parseInt(g, 16));
  }
  if (v4tail !== undefined) value = (value & ~0xffffffffn) | v4tail;
  return value;
}

const V4_MAPPED_PREFIX = 0xffffn << 32n;

/** Parses an IPv4 or IPv6 address; undefined when it is not one. */
export function parseIP(text: string): IPAddress | undefined {
  if (typeof text !== "string" || text.length === 0) return undefined;
  if (!text.includes(":")) {
    const v4 = parseIPv4(text);
    return v4 === undefined ? undefined : { family: 4, value: v4 };
  }
  const v6 = parseIPv6(text);
  if (v6 === undefined) return undefined;
  // Go's net package (which Kubernetes uses) treats ::ffff:a.b.c.d as IPv4.
  if (v6 >> 32n === 0xffffn) return { family: 4, value: v6 - V4_MAPPED_PREFIX };
  return { family: 6, value: v6 };
}

function computeMask(bits: number, prefix: number): bigint {
  return ((1n << BigInt(bits)) - 1n) ^ ((1n << BigInt(bits - prefix)) - 1n);
}

/** Every prefix's mask, computed once: bigint shifts per containment test dominated large clusters. */
const MASKS: Record<IPFamily, bigint[]> = {
  4: Array.from({ length: BITS[4] + 1 }, (_, prefix) => computeMask(BITS[4], prefix)),
  6: Array.from({ length: BITS[6] + 1 }, (_, prefix) => computeMask(BITS[6], prefix)),
};

function mask(family: IPFamily, prefix: number): bigint {
  return MASKS[family][prefix];
}

/** Parses "addr/prefix"; host bits are allowed and cleared, as Kubernetes does. */
export function parseCIDR(text: string): CIDR | undefined {
  if (typeof text !== "string") return undefined;
  const slash = text.indexOf("/");
  if (slash < 0) return undefined;
  const addrText = text.slice(0, slash);
  const prefixText = text.slice(slash + 1);
  if (!/^[0-9]{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  // Parse the address family from its own syntax: a mapped IPv6 CIDR stays IPv6-sized.
  let family: IPFamily;
  let value: bigint | undefined;
  if (addrText.includes(":")) {
    family = 6;
    value = parseIPv6(addrText);
  } else {
    family = 4;
    value = parseIPv4(addrText);
  }
  if (value === undefined || prefix > BITS[family]) return undefined;
  return { family, base: value & mask(family, prefix), prefix };
}

/** Whether the address lies inside the CIDR (families must agree). */
export function cidrContainsIP(cidr: CIDR, ip: IPAddress): boolean {
  if (cidr.family !== ip.family) return false;
  return (ip.value & mask(cidr.family, cidr.prefix)) === cidr.base;
}

/** Whether `inner` is a strict subset of `outer` (same family, longer prefix, inside). */
export function cidrStrictlyInside(inner: CIDR, outer: CIDR): boolean {
  if (inner.family !== outer.family || inner.prefix <= outer.prefix) return false;
  return (inner.base & mask(outer.family, outer.prefix)) === outer.base;
}
