/**
 * The tutorial's own two checks, `kubectl run curl-po-allow` (the allowed caller's labels, in its
 * namespace) and `kubectl run curl-po-deny` (no labels, namespace default), run against the local
 * cluster. The kubectl call is built from the validated config, never from text in the state.
 */
import type { StackConfig } from "../core/config";
import { PRICES_API_URL } from "../core/stack/names";
import type { LocalCluster } from "./cluster";

export interface TutorialCheck {
  name: "curl-po-allow" | "curl-po-deny";
  expectAllowed: boolean;
  asExpected: boolean;
  /** What curl said: the answer, or how it was blocked. */
  detail: string;
}

/**
 * A new pod's address reaches the enforcer's allow-sets a moment after the pod starts (kube-router,
 * Calico's Felix): the allowed caller's curl retries briefly where a person would simply type it
 * again. The denied caller's does not, so a block is seen as the first answer.
 */
const ALLOW_RETRY = ["--retry", "10", "--retry-delay", "1", "--retry-connrefused", "--retry-max-time", "20"];

function checkArgs(name: TutorialCheck["name"], namespace: string, labels: Record<string, string> | undefined, image: string): string[] {
  const labelArg = labels ? [`--labels=${Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(",")}`] : [];
  const retry = name === "curl-po-allow" ? ALLOW_RETRY : [];
  return ["run", name, "--rm", "-i", "--quiet", "--restart=Never", `--image=${image}`, "-n", namespace, ...labelArg, "--command", "--", "curl", "-sS", "--max-time", "5", ...retry, PRICES_API_URL];
}

// curl's documented exit codes (man curl, EXIT CODES); `kubectl run -i` exits with the container's.
const CURL_COULDNT_CONNECT = 7;
const CURL_OPERATION_TIMEDOUT = 28;

/** What the check's exit code says: an answer, a block (and how), or neither. */
export function checkOutcome(code: number): { allowed: boolean; blocked: boolean; how: string } {
  if (code === 0) return { allowed: true, blocked: false, how: "answered" };
  if (code === CURL_COULDNT_CONNECT) return { allowed: false, blocked: true, how: "blocked: connection refused at once (the enforcer REJECTs)" };
  if (code === CURL_OPERATION_TIMEDOUT) return { allowed: false, blocked: true, how: "blocked: timed out (the enforcer DROPs)" };
  return { allowed: false, blocked: false, how: `failed (exit ${code})` };
}

export async function runTutorialChecks(cluster: LocalCluster, config: StackConfig): Promise<TutorialCheck[]> {
  const caller = config.allowedCallers[0];
  const attempt = async (name: TutorialCheck["name"], namespace: string, labels: Record<string, string> | undefined, expectAllowed: boolean): Promise<TutorialCheck> => {
    const res = await cluster.kubectlResult(checkArgs(name, namespace, labels, config.probeImage));
    const outcome = checkOutcome(res.code);
    const said = `${res.stdout}\n${res.stderr}`.split("\n").map((l) => l.trim()).filter((l) => l && !/^pod .* (deleted|terminated)/.test(l));
    const detail = outcome.allowed ? `answered ${said[said.length - 1] ?? ""}` : `${outcome.how}${outcome.blocked ? "" : `: ${said.slice(-2).join(" ")}`}`;
    return { name, expectAllowed, asExpected: expectAllowed ? outcome.allowed : outcome.blocked, detail };
  };
  return [await attempt("curl-po-allow", caller.namespace, caller.podLabels, true), await attempt("curl-po-deny", "default", undefined, false)];
}
