/**
 * The tutorial's own two checks (`npm run check -- allow|deny`: kubectl run curl-po-allow as the
 * first caller, curl-po-deny unlabelled in default) against the local cluster, with the built
 * kubectl. The kubectl call comes from the validated config (checkCommand), never from the state.
 */
import type { StackConfig } from "../core/config";
import { CHECK_KINDS, checkCommand, checkVerdict, type CheckKind, type CheckVerdict } from "../core/stack/checkCommands";
import type { LocalCluster } from "./cluster";

export interface TutorialCheck extends CheckVerdict {
  kind: CheckKind;
  /** What prices-api answered (allow), for the summary. */
  answer?: string;
}

/** Runs allow, then deny; `onVerdict` hears each verdict as it comes. */
export async function runTutorialChecks(cluster: LocalCluster, config: StackConfig, onVerdict: (check: TutorialCheck) => void = () => {}): Promise<TutorialCheck[]> {
  const results: TutorialCheck[] = [];
  for (const kind of CHECK_KINDS) {
    // argv[0] is "kubectl": the cluster runs its own build of it, with its kubeconfig.
    const res = await cluster.kubectlResult(checkCommand(kind, config).slice(1));
    const verdict = checkVerdict(kind, res.code);
    // The answer is curl's line; kubectl adds its own "pod ... deleted" after it.
    const answer = res.stdout.split("\n").filter((l) => l.trim() && !/^pod ".*" deleted/.test(l)).pop();
    const check: TutorialCheck = { kind, ...verdict, ...(verdict.observed === "reached" && answer ? { answer } : {}) };
    onVerdict(check);
    results.push(check);
  }
  return results;
}
