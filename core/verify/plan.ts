/**
 * The live probe plan: which throw-away namespaces and curl pods `npm run verify` creates so that
 * every caller the intent gate predicts (allowed callers and impostors) really knocks on prices-api.
 * Pure: expectations in, Kubernetes objects out. No client, no clock, no randomness of its own.
 */
import { PROBE_LABEL, type ProbeExpectation } from "../intentGate";
import type { KubeObject, Labels } from "../netpol/types";
import { CURL_IMAGE } from "../stack/checkCommands";
import { PRICES_API_URL } from "../stack/names";

/** Every object verify creates carries this label, so leftovers are one `kubectl delete -l` away. */
export const MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
export const MANAGED_BY_VALUE = "netpol-verify";
/** Tells one run's objects from another's (two runs in parallel, or a leftover of a killed run). */
export const RUN_ID_LABEL = "netpol-verify/run-id";
/** The command that removes every leftover of every run; printed whenever cleanup could not finish. */
export const LEFTOVER_CLEANUP_COMMAND = `kubectl delete pods,namespaces -A -l ${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`;

/** Pinned so a probe behaves the same on every run; the same image as the stack's allow/deny commands. */
export const PROBE_IMAGE = CURL_IMAGE;
/** Policy engines that drop packets make a denied connect hang; this bounds how long we wait for it. */
export const CONNECT_TIMEOUT_SECONDS = 5;
/** Bounds a connection that was accepted but never answered (a hung API is not a policy verdict). */
export const MAX_TIME_SECONDS = 10;
/** Kubernetes kills a probe pod after this even if verify itself died and never deleted it. */
export const POD_ACTIVE_DEADLINE_SECONDS = 300;
/**
 * A new pod's IP reaches the policy engine's allow-sets a moment after the pod starts (Calico's
 * Felix, kube-router); a curl in that moment can be dropped although the policy admits the pod.
 */
export const PROBE_START_DELAY_SECONDS = 3;
/** The prefix of the one line a probe prints; the result parser looks for nothing else. */
export const PROBE_RESULT_MARKER = "NETPOL_PROBE";

/**
 * Runs curl once and prints exactly one machine-readable line, whatever happens:
 * `NETPOL_PROBE exit=<curl exit> http_code=<000|status> time_connect=<s> errormsg=<curl's message>`.
 * The container always exits 0 so that a blocked probe is a result, not a crash loop; errormsg
 * comes last because it contains spaces. The URL arrives in $PROBE_URL to avoid shell quoting.
 * `-v` goes to the log uncaptured: since curl 7.88 errormsg no longer says WHY a connect failed,
 * and only the verbose line "connect to ... failed: Connection refused" tells refused from unreachable.
 */
export const PROBE_SCRIPT =
  `sleep ${PROBE_START_DELAY_SECONDS}; ` +
  `out=$(curl -v -s -o /dev/null --connect-timeout ${CONNECT_TIMEOUT_SECONDS} --max-time ${MAX_TIME_SECONDS} ` +
  `-w 'http_code=%{http_code} time_connect=%{time_connect} errormsg=%{errormsg}' "$PROBE_URL"); ` +
  `rc=$?; echo "${PROBE_RESULT_MARKER} exit=$rc $out"`;

/** One probe: the expectation it checks and the pod that checks it. */
export interface PlannedProbe {
  expectation: ProbeExpectation;
  /** 1-based position, for "probe 2/6" progress lines. */
  index: number;
  namespace: string;
  podName: string;
  pod: KubeObject;
}

export interface ProbePlan {
  runId: string;
  url: string;
  /** Namespaces to create before the pods (impostor namespaces); existing ones are never touched. */
  namespaces: KubeObject[];
  probes: PlannedProbe[];
}

export interface PlanOptions {
  /** Short lowercase id of this run (label value and part of nothing else). */
  runId: string;
  /** A fresh lowercase alphanumeric suffix per pod, so reruns never collide with a pod still terminating. */
  randomSuffix: () => string;
  url?: string;
  image?: string;
}

const LABEL_VALUE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const POD_NAME_MAX = 63;

/** Lowercase DNS-label text from any name, e.g. "Consumer 1" → "consumer-1". */
export function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-+/g, "-")
    .replace(/^-|-$/g, "");
}

/**
 * `netpol-probe-<name>-<suffix>` from the probe's pod name (unique within its namespace), shortened
 * so the result stays a valid 63-character DNS label.
 */
export function probePodName(name: string, suffix: string): string {
  const head = "netpol-probe-";
  const room = POD_NAME_MAX - head.length - suffix.length - 1;
  const namePart = slug(name).slice(0, Math.max(room, 1)).replace(/-$/, "") || "probe";
  return `${head}${namePart}-${suffix}`;
}

function ownership(runId: string): Labels {
  return { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [RUN_ID_LABEL]: runId };
}

function probePod(expectation: ProbeExpectation, name: string, options: Required<PlanOptions>): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: expectation.namespace,
      // The probe's own labels decide the verdict; ours use keys no policy of this stack selects on.
      labels: { ...expectation.podLabels, ...ownership(options.runId) },
      annotations: { "netpol-verify/probe": expectation.id, "netpol-verify/description": expectation.description },
    },
    spec: {
      restartPolicy: "Never",
      automountServiceAccountToken: false,
      activeDeadlineSeconds: POD_ACTIVE_DEADLINE_SECONDS,
      terminationGracePeriodSeconds: 1,
      // A numeric user because the image's USER is a name, which runAsNonRoot cannot verify.
      securityContext: { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, seccompProfile: { type: "RuntimeDefault" } },
      containers: [
        {
          name: "probe",
          image: options.image,
          command: ["sh", "-c", PROBE_SCRIPT],
          env: [{ name: "PROBE_URL", value: options.url }],
          resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "100m", memory: "32Mi" } },
          securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
        },
      ],
    },
  };
}

/**
 * Turns the intent gate's expectations into the objects to create. Throws on inputs that would
 * make a meaningless run (no probes, duplicate ids, a run id that is not a label value) and on a
 * namespace that one probe creates while another expects it to exist already.
 */
export function planProbes(expectations: readonly ProbeExpectation[], options: PlanOptions): ProbePlan {
  if (expectations.length === 0) throw new Error("no probes to run: the intent gate returned no callers");
  if (!LABEL_VALUE.test(options.runId) || options.runId.length > 63) {
    throw new Error(`run id ${JSON.stringify(options.runId)} is not a label value (lowercase alphanumerics and '-')`);
  }
  const full: Required<PlanOptions> = { url: PRICES_API_URL, image: PROBE_IMAGE, ...options };
  const ids = new Set<string>();
  const namespaces = new Map<string, KubeObject>();
  const existingNamespaces = new Set<string>();
  const probes = expectations.map((expectation, i): PlannedProbe => {
    if (ids.has(expectation.id)) throw new Error(`two probes share the id ${JSON.stringify(expectation.id)}`);
    ids.add(expectation.id);
    if (expectation.createsNamespace) {
      if (!namespaces.has(expectation.namespace)) {
        namespaces.set(expectation.namespace, {
          apiVersion: "v1",
          kind: "Namespace",
          // PROBE_LABEL as in the intent gate's own probe objects, so both describe the same namespace.
          metadata: { name: expectation.namespace, labels: { ...expectation.namespaceLabels, [PROBE_LABEL]: "true", ...ownership(full.runId) } },
        });
      }
    } else {
      existingNamespaces.add(expectation.namespace);
    }
    const suffix = full.randomSuffix();
    if (!LABEL_VALUE.test(suffix)) throw new Error(`random suffix ${JSON.stringify(suffix)} is not lowercase alphanumeric`);
    const podName = probePodName(expectation.name, suffix);
    return { expectation, index: i + 1, namespace: expectation.namespace, podName, pod: probePod(expectation, podName, full) };
  });
  for (const name of existingNamespaces) {
    if (namespaces.has(name)) {
      throw new Error(`namespace ${name} is both created by a probe and expected to exist already; the intent gate's probes disagree`);
    }
  }
  return { runId: full.runId, url: full.url, namespaces: [...namespaces.values()], probes };
}
