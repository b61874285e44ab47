/**
 * What one probe observed, read from its log. Pure. The distinctions matter: a connect timeout is
 * what a dropping policy engine produces (Azure NPM, Calico, Cilium); a refusal at once is what a
 * rejecting one produces (kube-router), and also what an API with no endpoint gets; an HTTP status
 * means the connection was made whatever the status says. A refusal is read as blocked here;
 * report.ts keeps that reading only when another caller reached prices-api in the same round.
 */
import { PROBE_RESULT_MARKER } from "./plan";

/** reached = a TCP connection was made; blocked = a policy engine stopped it; error = the probe proves nothing. */
export type Observed = "reached" | "blocked" | "error";

export type ProbeCause =
  | "http" // connected and got a status line
  | "no-response" // connected, but no answer within the max time
  | "connect-timeout" // SYN never answered: what Calico, Cilium and Azure NPM do to denied traffic
  | "refused" // connection refused (RST or ICMP port-unreachable): what kube-router does to denied traffic
  | "unreachable" // no route to host / host unreachable
  | "dns" // the Service name did not resolve
  | "curl-error" // any other curl failure
  | "garbled" // no result line, or one we cannot read
  | "pod-failed"; // the pod never produced a result (image pull, deadline, eviction)

export interface ProbeObservation {
  observed: Observed;
  cause: ProbeCause;
  /** One line for the report, e.g. "HTTP 200" or "blocked: connect timed out after 5s". */
  detail: string;
  exitCode?: number;
  httpStatus?: number;
}

export interface ParseOptions {
  /** The connect timeout the probe used, for the detail text. */
  connectTimeoutSeconds: number;
}

export const REFUSED_DETAIL = "blocked: connection refused at once (the enforcer REJECTs, as kube-router does)";

// curl's documented exit codes (man curl, EXIT CODES).
const CURL_COULDNT_RESOLVE_HOST = 6;
const CURL_COULDNT_CONNECT = 7;
const CURL_OPERATION_TIMEDOUT = 28;

const LINE = new RegExp(`^${PROBE_RESULT_MARKER} (.*)$`, "m");

function excerpt(log: string): string {
  const text = log.trim().replace(/\s+/g, " ");
  if (text === "") return "empty log";
  return text.length > 120 ? `log: ${JSON.stringify(text.slice(0, 117) + "...")}` : `log: ${JSON.stringify(text)}`;
}

function garbled(reason: string, log: string): ProbeObservation {
  return { observed: "error", cause: "garbled", detail: `probe error: ${reason} (${excerpt(log)})` };
}

/**
 * Reads the probe's result line from its log (the last one wins, should the container have been
 * restarted). Never throws: anything unreadable is an observation of cause `garbled`.
 */
export function parseProbeLog(log: string, options: ParseOptions): ProbeObservation {
  const lines = log.split(/\r?\n/).filter((l) => LINE.test(l));
  if (lines.length === 0) return garbled(`no ${PROBE_RESULT_MARKER} line`, log);
  const body = LINE.exec(lines[lines.length - 1])![1];
  const exitMatch = /(?:^| )exit=(\d+)(?= |$)/.exec(body);
  const codeMatch = /(?:^| )http_code=(\d{3})(?= |$)/.exec(body);
  if (!exitMatch || !codeMatch) return garbled("the result line lacks exit= or http_code=", log);
  const exitCode = Number(exitMatch[1]);
  const httpStatus = Number(codeMatch[1]);
  const connectSeconds = Number(/(?:^| )time_connect=([\d.]+)(?= |$)/.exec(body)?.[1] ?? "0");
  const message = /(?:^| )errormsg=(.*)$/.exec(body)?.[1].trim() ?? "";
  const said = message === "" ? "" : `: ${message}`;

  if (exitCode === 0) {
    if (httpStatus < 100 || httpStatus > 599) return garbled(`curl succeeded but reported HTTP status ${codeMatch[1]}`, log);
    const note = httpStatus >= 400 ? " (connected; the API answered with an error status)" : "";
    return { observed: "reached", cause: "http", detail: `HTTP ${httpStatus}${note}`, exitCode, httpStatus };
  }
  if (exitCode === CURL_OPERATION_TIMEDOUT) {
    // time_connect > 0 means the TCP handshake completed: the policy let it through, the API was slow.
    if (connectSeconds > 0 || httpStatus !== 0) {
      return {
        observed: "reached",
        cause: "no-response",
        detail: `connected after ${connectSeconds}s but got no complete response in time${said}`,
        exitCode,
        ...(httpStatus !== 0 ? { httpStatus } : {}),
      };
    }
    return { observed: "blocked", cause: "connect-timeout", detail: `blocked: connect timed out after ${options.connectTimeoutSeconds}s`, exitCode };
  }
  if (exitCode === CURL_COULDNT_CONNECT) {
    // curl -v's "* connect to 10.43.0.12 port 80 from ... failed: Connection refused" names the socket error.
    const socketError = /connect to .* failed: (.+)$/m.exec(log)?.[1].trim() ?? message;
    const why = socketError === "" ? "" : `: ${socketError}`;
    if (/refused/i.test(socketError)) {
      return { observed: "blocked", cause: "refused", detail: REFUSED_DETAIL, exitCode };
    }
    if (/no route|unreachable/i.test(socketError)) {
      return { observed: "error", cause: "unreachable", detail: `probe error: could not connect${why}`, exitCode };
    }
    return { observed: "error", cause: "curl-error", detail: `probe error: could not connect (curl exit 7)${why}`, exitCode };
  }
  if (exitCode === CURL_COULDNT_RESOLVE_HOST) {
    return { observed: "error", cause: "dns", detail: `probe error: DNS lookup failed (curl exit 6)${said}`, exitCode };
  }
  return { observed: "error", cause: "curl-error", detail: `probe error: curl exit ${exitCode}${said}`, exitCode };
}

/** A probe whose pod never produced a readable result. */
export function podFailure(detail: string): ProbeObservation {
  return { observed: "error", cause: "pod-failed", detail: `probe error: ${detail}` };
}
