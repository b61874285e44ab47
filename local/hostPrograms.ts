/**
 * The machine-level programs the local cluster runs, and the Debian package of each: a missing one
 * is named with what to install, before anything starts.
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** Program (or file) → Debian package. */
export const HOST_PROGRAMS: ReadonlyArray<[program: string, debianPackage: string]> = [
  ["containerd", "containerd"],
  ["containerd-shim-runc-v2", "containerd"],
  ["ctr", "containerd"],
  ["runc", "runc"],
  ["/usr/lib/cni/bridge", "containernetworking-plugins"],
  ["/usr/lib/cni/host-local", "containernetworking-plugins"],
  ["/usr/lib/cni/portmap", "containernetworking-plugins"],
  ["/usr/lib/cni/loopback", "containernetworking-plugins"],
  ["iptables", "iptables"],
  ["iptables-save", "iptables"],
  ["iptables-restore", "iptables"],
  ["ipset", "ipset"],
  ["conntrack", "conntrack"],
  ["unshare", "util-linux"],
  ["nsenter", "util-linux"],
  ["mount", "mount"],
  ["ip", "iproute2"],
  ["openssl", "openssl"],
];

function found(program: string, searchPath: string): boolean {
  if (program.startsWith("/")) return fs.existsSync(program);
  return searchPath.split(path.delimiter).some((dir) => dir !== "" && fs.existsSync(path.join(dir, program)));
}

/** The missing programs with their packages, and the apt-get line that installs them; undefined when none is missing. */
export function missingHostPrograms(searchPath = `${process.env.PATH ?? ""}:/usr/sbin:/sbin`): string | undefined {
  const missing = HOST_PROGRAMS.filter(([program]) => !found(program, searchPath));
  if (missing.length === 0) return undefined;
  const packages = [...new Set(missing.map(([, pkg]) => pkg))];
  return `the local cluster needs ${missing.map(([p, pkg]) => `${p} (Debian package ${pkg})`).join(", ")}; install them with: apt-get install ${packages.join(" ")}`;
}
