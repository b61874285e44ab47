/**
 * The probes of one source pod as ONE exec: a shell script that runs `agnhost connect` to every
 * target at once (tcp, udp or sctp, with a timeout) and prints one line per target, and the parser
 * of what it printed. agnhost says TIMEOUT for a probe nobody answered (a DROP, or a UDP packet a
 * REJECT swallowed) and REFUSED for a REJECT: both mean blocked. Pure.
 */
import type { ProbeTarget } from "./prediction";
import type { Observation } from "./types";

/** As upstream's probe (1 s there); a little more, for a machine busy starting dozens of probes at once. */
export const CONNECT_TIMEOUT_SECONDS = 2;
export const PROBE_MARKER = "NETPOL_CONFORMANCE";

function address(ip: string, port: number): string {
  return ip.includes(":") ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/**
 * `p <index> <address> <protocol>` runs one probe and prints `NETPOL_CONFORMANCE <index> <exit> <first
 * line of agnhost's stderr>`; every probe runs in the background and the script waits for all.
 */
export function probeScript(targets: readonly ProbeTarget[], timeoutSeconds = CONNECT_TIMEOUT_SECONDS): string {
  const fn =
    `p() { out=$(/agnhost connect --timeout=${timeoutSeconds}s --protocol=$3 $2 2>&1); rc=$?; ` +
    `echo "${PROBE_MARKER} $1 $rc $(printf '%s' "$out" | tr '\\n' ' ')"; }`;
  const calls = targets.map((t, i) => `p ${i} ${address(t.ip, t.port)} ${t.protocol.toLowerCase()} &`);
  return [fn, ...calls, "wait"].join("\n");
}

/** The observation of each target, in order; a target without a line is an error. */
export function parseProbeOutput(output: string, count: number): Observation[] {
  const seen = new Map<number, Observation>();
  for (const line of output.split("\n")) {
    const m = new RegExp(`^${PROBE_MARKER} (\\d+) (\\d+) ?(.*)$`).exec(line.trim());
    if (!m) continue;
    const index = Number(m[1]);
    const rc = Number(m[2]);
    const text = m[3].trim();
    if (rc === 0) seen.set(index, { outcome: "allowed", detail: "connected" });
    else if (/^TIMEOUT\b/.test(text)) seen.set(index, { outcome: "blocked", detail: "TIMEOUT" });
    else if (/^REFUSED\b/.test(text)) seen.set(index, { outcome: "blocked", detail: "REFUSED" });
    else seen.set(index, { outcome: "error", detail: text || `agnhost connect exited ${rc} without a message` });
  }
  return Array.from({ length: count }, (_, i) => seen.get(i) ?? { outcome: "error", detail: "the probe printed no result" });
}
