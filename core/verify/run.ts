/**
 * One verify run: check the API is ready, create the planned namespaces and probe pods, wait for
 * each probe with a deadline, read its result, and ALWAYS delete what was created (on success,
 * failure, timeout and interrupt). The cluster, the clock and the progress output are injected, so
 * the whole sequence is tested against an in-memory fake.
 */
import { PRICES_API_DEPLOYMENT, PRICES_API_SERVICE, PRICING_NAMESPACE } from "../stack/names";
import type { Clock, KubeClient, PodState } from "./client";
import { CONNECT_TIMEOUT_SECONDS, LEFTOVER_CLEANUP_COMMAND, MANAGED_BY_LABEL, MANAGED_BY_VALUE, RUN_ID_LABEL, type PlannedProbe, type ProbePlan } from "./plan";
import { apiNotReadyReason, notReadyMessage } from "./readiness";
import { buildReport, type VerifyReport } from "./report";
import { type ParseOptions, type ProbeObservation, parseProbeLog, podFailure } from "./result";

export interface RunOptions {
  /** How long one probe pod may take from creation to a result (image pull included). */
  podTimeoutMs: number;
  pollIntervalMs: number;
  /** How long to wait for a namespace of an earlier run to finish terminating, and for ours to go. */
  namespaceTimeoutMs: number;
}

export const DEFAULT_RUN_OPTIONS: RunOptions = { podTimeoutMs: 120_000, pollIntervalMs: 1_000, namespaceTimeoutMs: 90_000 };

export interface CleanupResult {
  /** "pod ns/name" and "namespace name" entries that were deleted. */
  deleted: string[];
  /** Pods and namespaces this run tried to create but that do not carry its run id (someone else's): left alone. */
  kept: string[];
  /** The same, with the error, for each object that could not be deleted. */
  failed: string[];
}

export type RunResult =
  | { kind: "not-ready"; message: string; cleanup: CleanupResult }
  | { kind: "probed"; report: VerifyReport; cleanup: CleanupResult }
  | { kind: "interrupted"; message: string; cleanup: CleanupResult };

export interface RunInput {
  plan: ProbePlan;
  client: KubeClient;
  clock: Clock;
  /** One line per call, no trailing newline; the CLI writes it to stderr. */
  progress: (line: string) => void;
  /** Aborted by SIGINT/SIGTERM; the run stops waiting, cleans up and returns `interrupted`. */
  signal?: AbortSignal;
  options?: Partial<RunOptions>;
}

/** A precondition that stops the run before any probe (e.g. a namespace that is already taken). */
export class VerifyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "VerifyError";
  }
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

// Waiting reasons after which a pod will not start by itself; waiting out the deadline would only hide them.
const HOPELESS_WAITING = /^(ErrImagePull|ImagePullBackOff|InvalidImageName|CreateContainerConfigError|CreateContainerError|ErrImageNeverPull)/;

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new VerifyInterrupted();
}

class VerifyInterrupted extends Error {
  constructor() {
    super("interrupted");
  }
}

/** Tracks everything this run created, in creation order, registered BEFORE the create call. */
class Created {
  readonly namespaces: string[] = [];
  readonly pods: Array<{ namespace: string; name: string }> = [];
}

async function cleanup(created: Created, input: RunInput, options: RunOptions, waitForNamespaces: boolean): Promise<CleanupResult> {
  const result: CleanupResult = { deleted: [], kept: [], failed: [] };
  const { client, clock, progress } = input;
  const notOurs = (what: string) => {
    result.kept.push(what);
    progress(`cleanup: kept ${what}: it is not this run's (no ${RUN_ID_LABEL}=${input.plan.runId} label)`);
  };
  // Pods first: a probe in an existing namespace (critical-project) is not removed by any namespace delete.
  await Promise.all(
    created.pods.map(async ({ namespace, name }) => {
      const what = `pod ${namespace}/${name}`;
      try {
        // Registered before its create call, as namespaces are: a 409 means the pod under this name
        // was somebody else's, and only the run-id label tells the two apart.
        const current = await client.podState(namespace, name);
        if (current.phase === "Gone") return;
        if (current.labels?.[RUN_ID_LABEL] !== input.plan.runId) return notOurs(what);
        await client.deletePod(namespace, name);
        result.deleted.push(what);
      } catch (err) {
        result.failed.push(`${what}: ${message(err)}`);
      }
    }),
  );
  const deletedNamespaces: string[] = [];
  for (const name of created.namespaces) {
    try {
      // Registered before its create call (a create that timed out may still have happened), so
      // it is deleted only if it carries this run's id: a 409 "already exists" was somebody else's.
      const current = await client.namespaceState(name);
      if (current.state === "absent") continue;
      if (current.labels[RUN_ID_LABEL] !== input.plan.runId) {
        notOurs(`namespace ${name}`);
        continue;
      }
      await client.deleteNamespace(name);
      result.deleted.push(`namespace ${name}`);
      deletedNamespaces.push(name);
    } catch (err) {
      result.failed.push(`namespace ${name}: ${message(err)}`);
    }
  }
  // Waiting lets the next run (CI runs verify twice in a row) create the same namespaces again.
  if (waitForNamespaces && deletedNamespaces.length > 0) {
    progress(`cleanup: waiting for ${deletedNamespaces.length} probe namespace(s) to terminate`);
    const deadline = clock.now() + options.namespaceTimeoutMs;
    for (const name of deletedNamespaces) {
      try {
        while ((await client.namespaceState(name)).state !== "absent") {
          if (clock.now() >= deadline) {
            progress(`cleanup: namespace ${name} is still terminating; it will go away by itself`);
            break;
          }
          await clock.sleep(options.pollIntervalMs);
        }
      } catch (err) {
        progress(`cleanup: could not check namespace ${name}: ${message(err)}`);
      }
    }
  }
  if (result.failed.length > 0) {
    progress(`cleanup: ${result.failed.length} object(s) could not be deleted:\n  ${result.failed.join("\n  ")}\nremove leftovers with: ${LEFTOVER_CLEANUP_COMMAND}`);
  }
  return result;
}

async function prepareNamespace(ns: string, input: RunInput, options: RunOptions): Promise<void> {
  const { client, clock, progress, signal } = input;
  const deadline = clock.now() + options.namespaceTimeoutMs;
  for (;;) {
    const current = await client.namespaceState(ns);
    if (current.state === "absent") return;
    if (current.state === "active") {
      const ours = current.labels[MANAGED_BY_LABEL] === MANAGED_BY_VALUE;
      throw new VerifyError(
        ours
          ? `namespace ${ns} already exists, left over from an earlier verify run; remove leftovers with: ${LEFTOVER_CLEANUP_COMMAND}`
          : `namespace ${ns} already exists and is not verify's; a probe needs to create it with its own labels, so delete or rename it first`,
      );
    }
    if (clock.now() >= deadline) throw new VerifyError(`namespace ${ns} is still terminating after ${options.namespaceTimeoutMs / 1000}s`);
    progress(`waiting for namespace ${ns} of an earlier run to finish terminating`);
    await clock.sleep(options.pollIntervalMs, signal);
  }
}

interface Tracking {
  probe: PlannedProbe;
  trail: string[];
  last?: PodState;
  observation?: ProbeObservation;
}


function probeLabel(probe: PlannedProbe, total: number): string {
  return `probe ${probe.index}/${total} ${probe.expectation.id}`;
}

/** "allowed: HTTP 200", "denied: connect timed out after 5s", "error: connection refused ...". */
function outcomeText(o: ProbeObservation): string {
  const word = o.observed === "reached" ? "allowed" : o.observed === "blocked" ? "denied" : "error";
  return `${word}: ${o.detail.replace(/^(blocked|probe error): /, "")}`;
}

async function observe(t: Tracking, state: PodState, input: RunInput, parse: ParseOptions): Promise<ProbeObservation | undefined> {
  const { namespace, podName } = t.probe;
  if (state.phase === "Gone") return podFailure("the probe pod disappeared before it finished");
  if (state.phase === "Succeeded" || state.phase === "Failed") {
    let log: string;
    try {
      log = await input.client.readPodLogs(namespace, podName);
    } catch (err) {
      return podFailure(`could not read the probe's log: ${message(err)}`);
    }
    const parsed = parseProbeLog(log, parse);
    if (state.phase === "Failed" && parsed.cause === "garbled") {
      return podFailure(`the probe pod failed${state.reason ? ` (${state.reason})` : ""} without a result`);
    }
    return parsed;
  }
  if (state.reason && HOPELESS_WAITING.test(state.reason)) return podFailure(`the probe pod cannot start: ${state.reason}`);
  return undefined;
}

async function probeAll(plan: ProbePlan, created: Created, input: RunInput, options: RunOptions): Promise<ProbeObservation[]> {
  const { client, clock, progress, signal } = input;
  const total = plan.probes.length;
  const parse: ParseOptions = { connectTimeoutSeconds: CONNECT_TIMEOUT_SECONDS };
  const tracking: Tracking[] = plan.probes.map((probe) => ({ probe, trail: [] }));
  for (const t of tracking) {
    throwIfAborted(signal);
    created.pods.push({ namespace: t.probe.namespace, name: t.probe.podName });
    try {
      await client.createPod(t.probe.pod);
      progress(`${probeLabel(t.probe, total)}: created pod ${t.probe.podName}`);
    } catch (err) {
      t.observation = podFailure(`could not create the probe pod: ${message(err)}`);
      progress(`${probeLabel(t.probe, total)}: ${t.observation.detail}`);
    }
  }
  const deadline = clock.now() + options.podTimeoutMs;
  for (;;) {
    const waiting = tracking.filter((t) => !t.observation);
    if (waiting.length === 0) break;
    for (const t of waiting) {
      throwIfAborted(signal);
      let state: PodState;
      try {
        state = await client.podState(t.probe.namespace, t.probe.podName);
      } catch (err) {
        state = { phase: t.last?.phase ?? "Unknown", reason: `status unavailable: ${message(err)}` };
      }
      const step = state.phase === "Gone" ? "gone" : state.phase;
      // "Succeeded" says nothing the outcome does not; "Failed" does, so it stays in the trail.
      const moved = t.trail[t.trail.length - 1] !== step && step !== "Succeeded";
      if (moved) t.trail.push(step);
      t.last = state;
      t.observation = await observe(t, state, input, parse);
      if (t.observation) {
        progress(`${probeLabel(t.probe, total)}: ${[...t.trail, `done (${outcomeText(t.observation)})`].join(" → ")}`);
      } else if (moved) {
        progress(`${probeLabel(t.probe, total)}: ${t.trail.join(" → ")}${state.reason ? ` (${state.reason})` : ""}`);
      }
    }
    if (tracking.every((t) => t.observation)) break;
    if (clock.now() >= deadline) {
      for (const t of tracking.filter((x) => !x.observation)) {
        const last = t.last ? `${t.last.phase}${t.last.reason ? `: ${t.last.reason}` : ""}` : "never seen";
        t.observation = podFailure(`no result within ${options.podTimeoutMs / 1000}s (last state ${last})`);
        progress(`${probeLabel(t.probe, total)}: ${[...t.trail, `gave up (${t.observation.detail})`].join(" → ")}`);
      }
      break;
    }
    await clock.sleep(options.pollIntervalMs, signal);
  }
  return tracking.map((t) => t.observation!);
}

/**
 * Runs the plan against the cluster and returns the report. Throws only when the cluster itself
 * cannot be used (the first API call fails: no cluster reachable) or a precondition fails
 * (VerifyError); every object created before that point is deleted first.
 */
export async function runVerify(input: RunInput): Promise<RunResult> {
  const options: RunOptions = { ...DEFAULT_RUN_OPTIONS, ...input.options };
  const { plan, client, progress, signal } = input;
  const created = new Created();
  let interrupted = false;
  let cleanupResult: CleanupResult | undefined;
  const doCleanup = async () => (cleanupResult = await cleanup(created, input, options, !interrupted));
  try {
    throwIfAborted(signal);
    const status = await client.apiStatus(PRICING_NAMESPACE, PRICES_API_DEPLOYMENT, PRICES_API_SERVICE);
    const reason = apiNotReadyReason(status, { namespace: PRICING_NAMESPACE, deployment: PRICES_API_DEPLOYMENT, service: PRICES_API_SERVICE });
    if (reason) return { kind: "not-ready", message: notReadyMessage(reason), cleanup: await doCleanup() };
    progress(`prices-api is ready; running ${plan.probes.length} probes (run id ${plan.runId}) against ${plan.url}`);
    for (const ns of plan.namespaces) {
      throwIfAborted(signal);
      const name = ns.metadata.name;
      await prepareNamespace(name, input, options);
      created.namespaces.push(name);
      await client.createNamespace(ns);
      progress(`created namespace ${name}`);
    }
    const observations = await probeAll(plan, created, input, options);
    const report = buildReport(
      plan.probes.map((p) => p.expectation),
      observations,
    );
    return { kind: "probed", report, cleanup: await doCleanup() };
  } catch (err) {
    if (err instanceof VerifyInterrupted || (signal?.aborted && (err as Error)?.name === "AbortError")) {
      interrupted = true;
      progress("interrupted: deleting the probe pods and namespaces");
      return { kind: "interrupted", message: "interrupted before every probe finished; nothing was verified", cleanup: await doCleanup() };
    }
    throw err;
  } finally {
    // Reached with cleanupResult unset only when an error is on its way out.
    if (!cleanupResult) await doCleanup();
  }
}
