/**
 * The tutorial's manual allow/deny check, as the argv of one `kubectl run` built from validated
 * config (never from text read from state or outputs), and what its exit code means. Pure.
 */
import type { StackConfig } from "../config";
import { PRICES_API_URL } from "./names";

/** A pinned, maintained curl image (the tutorial's radial/busyboxplus:curl is unmaintained). */
// The tag says which release; the digest (of its multi-arch index) makes a re-pushed tag harmless.
export const CURL_IMAGE_TAG = "8.11.1";
export const CURL_IMAGE_DIGEST = "sha256:c1fe1679c34d9784c1b0d1e5f62ac0a79fca01fb6377cdd33e90473c6f9f9a69";
export const CURL_IMAGE = `curlimages/curl:${CURL_IMAGE_TAG}@${CURL_IMAGE_DIGEST}`;

/** `allow`: a pod of the stack's first caller must get a price; `deny`: an unlabelled pod in `default` must not. */
export type CheckKind = "allow" | "deny";
export const CHECK_KINDS: readonly CheckKind[] = ["allow", "deny"];

/** The namespace of the deny check's pod: one every cluster has, where no caller may live. */
export const DENY_CHECK_NAMESPACE = "default";
/** How long curl may take, as in the tutorial; a dropping policy engine makes a denied request last this long. */
export const CHECK_MAX_TIME_SECONDS = 5;

/**
 * A new pod's address reaches the enforcer's allow-sets a moment after the pod starts (kube-router,
 * Calico's Felix): the allow check's curl tries again for a few seconds, where a person would
 * simply type it again. The deny check does not retry: its first answer is the verdict.
 */
export const ALLOW_CHECK_RETRY = ["--retry", "10", "--retry-delay", "1", "--retry-connrefused", "--retry-max-time", "20"] as const;

/** Which cluster kubectl talks to; unset fields leave kubectl's own defaults (KUBECONFIG, current context). */
export interface CheckTarget {
  kubeconfig?: string;
  context?: string;
}

/**
 * The argv of one check: `kubectl run curl-po-<kind> --rm -i --restart=Never` with the stack's
 * `probeImage`, in the first caller's namespace with its pod labels (allow) or unlabelled in
 * `default` (deny), running `curl -sS --max-time 5` against prices-api. No shell anywhere: run it
 * with execFile/spawn, argv[0] is the program. kubectl exits with curl's exit code, which
 * `checkVerdict` reads.
 */
export function checkCommand(kind: CheckKind, config: Pick<StackConfig, "allowedCallers" | "probeImage">, target: CheckTarget = {}): string[] {
  const caller = config.allowedCallers[0];
  if (!caller) throw new Error("checkCommand: the config has no allowed caller; validateConfig gives every stack at least one");
  const where = kind === "allow" ? ["-n", caller.namespace, `--labels=${Object.entries(caller.podLabels).map(([k, v]) => `${k}=${v}`).join(",")}`] : ["-n", DENY_CHECK_NAMESPACE];
  return [
    "kubectl",
    ...(target.kubeconfig !== undefined ? ["--kubeconfig", target.kubeconfig] : []),
    ...(target.context !== undefined ? ["--context", target.context] : []),
    "run",
    `curl-po-${kind}`,
    "--rm",
    "-i",
    "--restart=Never",
    // The first run pulls the image; kubectl's default of one minute is short on a cold node.
    "--pod-running-timeout=3m",
    `--image=${config.probeImage}`,
    ...where,
    "--command",
    "--",
    "curl",
    "-sS",
    "--max-time",
    String(CHECK_MAX_TIME_SECONDS),
    ...(kind === "allow" ? ALLOW_CHECK_RETRY : []),
    PRICES_API_URL,
  ];
}

/** What each check proves, for the stack's outputs: information only, never a command (outputs live in state). */
export function checkDescriptions(config: Pick<StackConfig, "allowedCallers">): Record<CheckKind, string> {
  const caller = config.allowedCallers[0];
  const labels = Object.entries(caller.podLabels).map(([k, v]) => `${k}=${v}`).join(",");
  return {
    allow: `a pod labelled ${labels} in namespace ${caller.namespace} gets an answer from ${PRICES_API_URL}`,
    deny: `an unlabelled pod in namespace ${DENY_CHECK_NAMESPACE} is blocked from ${PRICES_API_URL}`,
  };
}

export interface CheckVerdict {
  /** Whether the check behaved as the policy intends: allow reached prices-api, deny was blocked. */
  asExpected: boolean;
  observed: "reached" | "blocked" | "error";
  /** One line for the user. */
  message: string;
}

// curl's documented exit codes (man curl, EXIT CODES).
const CURL_COULDNT_RESOLVE_HOST = 6;
const CURL_COULDNT_CONNECT = 7;
const CURL_OPERATION_TIMEDOUT = 28;

/**
 * What the exit code of `checkCommand`'s kubectl says. kubectl passes on the exit code of the pod's
 * container (curl's), and exits 1 itself when it could not run the pod. Blocked is either way a
 * policy engine says no: a DROP (Azure NPM, Calico, Cilium) makes curl time out (28), a REJECT
 * (kube-router, the local cluster's enforcer) makes the connection refused at once (7).
 */
export function checkVerdict(kind: CheckKind, exitCode: number | null): CheckVerdict {
  let observed: CheckVerdict["observed"];
  let what: string;
  if (exitCode === 0) {
    observed = "reached";
    what = "prices-api answered";
  } else if (exitCode === CURL_OPERATION_TIMEDOUT) {
    observed = "blocked";
    what = `blocked: no connection within ${CHECK_MAX_TIME_SECONDS}s (curl exit 28), the way a dropping policy engine (Azure NPM, Calico, Cilium) denies`;
  } else if (exitCode === CURL_COULDNT_CONNECT) {
    observed = "blocked";
    what = "blocked: connection refused (curl exit 7), the way a rejecting policy engine (kube-router) denies; the allow check tells this apart from a prices-api that is down";
  } else if (exitCode === CURL_COULDNT_RESOLVE_HOST) {
    observed = "error";
    what = "the check proves nothing: prices-api-service.pricing-ns did not resolve (curl exit 6); is the stack deployed?";
  } else {
    observed = "error";
    what = `the check proves nothing: kubectl or curl failed (exit ${exitCode ?? "none"}); see its output above`;
  }
  const wanted = kind === "allow" ? "reached" : "blocked";
  const asExpected = observed === wanted;
  const verdict = asExpected ? "as expected" : observed === "error" ? "no verdict" : `NOT as expected: the ${kind} check must be ${kind === "allow" ? "let through" : "blocked"}`;
  return { asExpected, observed, message: `${kind} check: ${what}; ${verdict}` };
}
