/**
 * One conformance run: for each case and step, bring the run's namespaces to what the step asks
 * for, wait for the server pods and a few seconds more for the enforcer, read the objects back
 * (and check they mean what was applied), predict every cell with the engine, probe every cell (one exec per source pod), probe a
 * disagreeing cell once more, and compare. Whatever happens (success, a failing cluster, an
 * interrupt), delete every namespace the run created and nothing else. The cluster, the clock and
 * the progress output are injected, so the whole sequence runs against an in-memory fake.
 */
import type { KubeObject } from "../netpol/types";
import type { Clock, ConformanceClient, PodStatus } from "./client";
import { cellsToReprobe, compareStep } from "./compare";
import { predictStep, type PredictedStep } from "./prediction";
import { CONNECT_TIMEOUT_SECONDS, parseProbeOutput, probeScript } from "./probeScript";
import { readBackProblems } from "./readBackCheck";
import { clusterState, emptyClusterState, reconcile, type Action, type ClusterState } from "./reconcile";
import { LEFTOVER_CLEANUP_COMMAND, RUN_ID_LABEL, type RunNames } from "./runNames";
import { stateAfter } from "./state";
import type { CaseResult, ConformanceCase, Observation } from "./types";

export interface RunOptions {
  image: string;
  /** How long to wait after each change before probing: the enforcer needs a moment to catch up. */
  settleMs: number;
  /** How long a server pod may take to become Ready (an image pull included). */
  podReadyTimeoutMs: number;
  pollIntervalMs: number;
  /** How long to wait for a namespace to finish terminating. */
  namespaceTimeoutMs: number;
  /** Source pods probed at once (each runs all its probes at once). */
  probeConcurrency: number;
}

export const DEFAULT_RUN_OPTIONS: Omit<RunOptions, "image"> = {
  settleMs: 3_000,
  podReadyTimeoutMs: 180_000,
  pollIntervalMs: 500,
  namespaceTimeoutMs: 90_000,
  probeConcurrency: 3,
};

export interface CleanupResult {
  deleted: string[];
  /** Namespaces of the run's name that do not carry its run id: someone else's, left alone. */
  kept: string[];
  failed: string[];
}

export type RunResult =
  | { kind: "done"; results: CaseResult[]; cleanup: CleanupResult }
  | { kind: "interrupted"; results: CaseResult[]; cleanup: CleanupResult };

export interface RunInput {
  cases: readonly ConformanceCase[];
  names: RunNames;
  client: ConformanceClient;
  clock: Clock;
  /** One line per call, no trailing newline; the CLI writes it to stderr. */
  progress: (line: string) => void;
  signal?: AbortSignal;
  options: Partial<RunOptions> & { image: string };
}

/** The cluster cannot be used for the run (a pod that cannot start, a namespace that is taken). */
export class ConformanceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConformanceError";
  }
}

class Interrupted extends Error {}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));
// Waiting reasons after which a pod will not start by itself.
const HOPELESS = /^(ErrImagePull|ImagePullBackOff|InvalidImageName|ErrImageNeverPull|CreateContainerConfigError|CreateContainerError|CrashLoopBackOff|RunContainerError)/;

class Runner {
  private readonly options: RunOptions;
  /** Namespaces this run asked the API server to create, registered BEFORE the call. */
  private readonly created: string[] = [];
  private applied: ClusterState = emptyClusterState();

  constructor(private readonly input: RunInput) {
    this.options = { ...DEFAULT_RUN_OPTIONS, ...input.options };
  }

  private check(): void {
    if (this.input.signal?.aborted) throw new Interrupted();
  }

  private sleep(ms: number): Promise<void> {
    return this.input.clock.sleep(ms, this.input.signal);
  }

  /** Waits until `done` holds, polling; throws ConformanceError with `what` after the timeout. */
  private async until(timeoutMs: number, what: () => string, done: () => Promise<boolean>): Promise<void> {
    const deadline = this.input.clock.now() + timeoutMs;
    for (;;) {
      this.check();
      if (await done()) return;
      if (this.input.clock.now() >= deadline) throw new ConformanceError(what());
      await this.sleep(this.options.pollIntervalMs);
    }
  }

  private async createNamespace(object: KubeObject): Promise<void> {
    const { client } = this.input;
    const name = object.metadata.name;
    // A namespace this run deleted earlier may still be terminating.
    await this.until(this.options.namespaceTimeoutMs, () => `namespace ${name} is still terminating after ${this.options.namespaceTimeoutMs / 1000}s`, async () => {
      const s = await client.namespaceState(name);
      if (s.state === "active") {
        throw new ConformanceError(
          s.labels[RUN_ID_LABEL] === this.input.names.runId
            ? `namespace ${name} already exists`
            : `namespace ${name} already exists and is not this run's; it is left alone (remove it, or rerun for a new run id)`,
        );
      }
      return s.state === "absent";
    });
    if (!this.created.includes(name)) this.created.push(name);
    await client.createNamespace(object);
  }

  private async perform(a: Action): Promise<void> {
    const { client } = this.input;
    switch (a.kind) {
      case "createNamespace":
        return this.createNamespace(a.object);
      case "labelNamespace":
        return client.labelNamespace(a.name, a.labels);
      case "deleteNamespace":
        return client.deleteNamespace(a.name);
      case "createPod":
        return client.createPod(a.object);
      case "labelPod":
        return client.labelPod(a.namespace, a.name, a.labels);
      case "deletePod":
        await client.deletePod(a.namespace, a.name);
        // The same name is created again right after: wait until it is gone.
        return this.until(this.options.podReadyTimeoutMs, () => `pod ${a.namespace}/${a.name} is still terminating`, async () => (await client.podStatus(a.namespace, a.name)) === undefined);
      case "createPolicy":
        return client.createPolicy(a.object);
      case "replacePolicy":
        return client.replacePolicy(a.object);
      case "deletePolicy":
        return client.deletePolicy(a.namespace, a.name);
    }
  }

  private async waitForPods(desired: ClusterState, names: RunNames): Promise<void> {
    const pending = new Map([...desired.pods.values()].map((p) => [`${p.metadata.namespace}/${p.metadata.name}`, p]));
    const last = new Map<string, PodStatus | undefined>();
    await this.until(
      this.options.podReadyTimeoutMs,
      () => `server pods not Ready after ${this.options.podReadyTimeoutMs / 1000}s: ${[...pending.keys()].map((k) => `${names.casePodId(k)} (${last.get(k)?.reason ?? last.get(k)?.phase ?? "not found"})`).join(", ")}`,
      async () => {
        for (const [k, pod] of pending) {
          const s = await this.input.client.podStatus(pod.metadata.namespace!, pod.metadata.name);
          last.set(k, s);
          if (s?.reason && HOPELESS.test(s.reason)) throw new ConformanceError(`server pod ${names.casePodId(k)} cannot start: ${s.reason} (image ${this.options.image}; another one with --image)`);
          if (s?.phase === "Failed" || s?.phase === "Succeeded") throw new ConformanceError(`server pod ${names.casePodId(k)} ended (${s.phase}${s.reason ? `: ${s.reason}` : ""})`);
          if (s?.ready) pending.delete(k);
        }
        return pending.size === 0;
      },
    );
  }

  /** Runs the probes of the given cells (all when `only` is unset); one exec per source pod. */
  private async probe(predicted: PredictedStep, only?: ReadonlySet<number>): Promise<Map<number, Observation>> {
    const out = new Map<number, Observation>();
    const jobs = predicted.sources
      .map((s) => ({ ...s, targets: s.targets.filter((t) => !only || only.has(t.cell)) }))
      .filter((s) => s.targets.length > 0);
    const timeoutMs = (CONNECT_TIMEOUT_SECONDS + 30) * 1000;
    for (let i = 0; i < jobs.length; i += this.options.probeConcurrency) {
      this.check();
      await Promise.all(
        jobs.slice(i, i + this.options.probeConcurrency).map(async (job) => {
          let observations: Observation[];
          try {
            const res = await this.input.client.exec(job.namespace, job.pod, job.container, ["/bin/sh", "-c", probeScript(job.targets)], timeoutMs);
            observations = parseProbeOutput(res.stdout, job.targets.length);
          } catch (err) {
            observations = job.targets.map(() => ({ outcome: "error" as const, detail: `exec in ${this.input.names.casePodId(`${job.namespace}/${job.pod}`)} failed: ${message(err)}` }));
          }
          job.targets.forEach((t, k) => out.set(t.cell, observations[k]));
        }),
      );
    }
    return out;
  }

  private async runCase(c: ConformanceCase): Promise<CaseResult> {
    const { names, client, clock, progress } = this.input;
    const started = clock.now();
    const result: CaseResult = { name: c.name, source: c.source, steps: [], seconds: 0, ...(c.deviation ? { deviation: c.deviation } : {}) };
    for (const step of c.steps) {
      this.check();
      const desired = clusterState(stateAfter(c, step.index), names, this.options.image);
      const actions = reconcile(this.applied, desired);
      for (const a of actions) {
        this.check();
        await this.perform(a);
      }
      this.applied = desired;
      await this.waitForPods(desired, names);
      if (actions.length > 0) await this.sleep(this.options.settleMs);
      const back = await client.readBack([...desired.namespaces.keys()]);
      const problems = readBackProblems(desired, back);
      if (problems.length > 0) {
        throw new ConformanceError(`case ${c.name} step ${step.index}: the cluster does not hold the objects as applied, so the case would not test what it says:\n  ${problems.map((p) => names.caseText(p)).join("\n  ")}`);
      }
      const predicted = predictStep(back, names);
      const firstMap = await this.probe(predicted);
      const first = predicted.cells.map((_, i) => firstMap.get(i)!);
      const again = cellsToReprobe(predicted, first);
      let second = new Map<number, Observation>();
      if (again.length > 0) {
        progress(`case ${c.name} step ${step.index}: ${again.length} of ${first.length} cells disagree; probing them again in ${this.options.settleMs / 1000}s`);
        await this.sleep(this.options.settleMs);
        second = await this.probe(predicted, new Set(again));
      }
      const compared = compareStep(step.index, predicted, first, second, c.deviation);
      result.steps.push(compared);
      const bad = compared.cells.filter((x) => !x.agrees).length;
      progress(`case ${c.name} step ${step.index}/${c.steps.length}: ${compared.cells.length} probes, ${bad === 0 ? "all agree" : `${bad} do not agree`}`);
    }
    result.seconds = (clock.now() - started) / 1000;
    return result;
  }

  async cleanup(waitForNamespaces: boolean): Promise<CleanupResult> {
    const { client, names, progress, clock } = this.input;
    const result: CleanupResult = { deleted: [], kept: [], failed: [] };
    const deleted: string[] = [];
    for (const name of this.created) {
      try {
        // Registered before its create call, so deleted only if it carries this run's id.
        const s = await client.namespaceState(name);
        if (s.state === "absent") continue;
        if (s.labels[RUN_ID_LABEL] !== names.runId) {
          result.kept.push(name);
          progress(`cleanup: kept namespace ${name}: it is not this run's (no ${RUN_ID_LABEL}=${names.runId} label)`);
          continue;
        }
        if (s.state === "active") await client.deleteNamespace(name);
        result.deleted.push(name);
        deleted.push(name);
      } catch (err) {
        result.failed.push(`namespace ${name}: ${message(err)}`);
      }
    }
    if (waitForNamespaces && deleted.length > 0) {
      progress(`cleanup: deleting ${deleted.length} namespace(s) and everything in them`);
      const deadline = clock.now() + this.options.namespaceTimeoutMs;
      for (const name of deleted) {
        try {
          while ((await client.namespaceState(name)).state !== "absent" && clock.now() < deadline) await clock.sleep(this.options.pollIntervalMs);
        } catch (err) {
          progress(`cleanup: could not check namespace ${name}: ${message(err)}`);
        }
      }
    }
    if (result.failed.length > 0) progress(`cleanup: ${result.failed.length} namespace(s) could not be deleted:\n  ${result.failed.join("\n  ")}\nremove leftovers with: ${LEFTOVER_CLEANUP_COMMAND}`);
    return result;
  }

  async run(): Promise<RunResult> {
    const results: CaseResult[] = [];
    let cleanup: CleanupResult | undefined;
    try {
      for (const c of this.input.cases) results.push(await this.runCase(c));
      cleanup = await this.cleanup(true);
      return { kind: "done", results, cleanup };
    } catch (err) {
      if (err instanceof Interrupted || (this.input.signal?.aborted && (err as Error)?.name === "AbortError")) {
        this.input.progress("interrupted: deleting the run's namespaces");
        cleanup = await this.cleanup(false);
        return { kind: "interrupted", results, cleanup };
      }
      throw err;
    } finally {
      // Reached without a cleanup only when an error is on its way out.
      if (!cleanup) await this.cleanup(true);
    }
  }
}

/**
 * Runs the cases. Throws when the cluster cannot be used (ConformanceError, or the client's own
 * error, e.g. no cluster reachable); every namespace created before that point is deleted first.
 */
export function runConformance(input: RunInput): Promise<RunResult> {
  return new Runner(input).run();
}
