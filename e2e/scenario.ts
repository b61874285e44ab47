/**
 * The e2e scenario: the `local` stack under the real Pulumi engine against the local cluster,
 * step by step (issue: "The real Pulumi engine against a real Kubernetes API server").
 * Each exported step returns a one-line account of what it proved, or throws StepFailure.
 */
import { createHash } from "node:crypto";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { isDeepStrictEqual } from "node:util";
import { parseAllDocuments } from "yaml";
import { diffConnectivity, parseConnectivityReport, type ConnectivityDiff } from "../core/connectivityDiff";
import { stackIntent } from "../core/intent";
import { PROBE_LABEL, probeCallers, probeObjectsAddedTo } from "../core/intentGate";
import { buildModel, computeMatrix, type KubeObject } from "../core/netpol";
import type { JsonReport } from "../core/report";
import { stackObjects } from "../core/stack";
import { readStackConfig } from "../core/stackConfigFile";
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, RUN_ID_LABEL } from "../core/verify/plan";
import { CLUSTER_CONTEXT, clusterRecordOf, type ClusterRecord, type LocalCluster } from "../local/cluster";
import { clusterLeftovers, hostSnapshot, snapshotDifferences } from "../local/teardown";
import { waitFor } from "../local/daemon";
import { LOCAL_STACK, mustSucceed as succeeded, prepareStack, pulumi as pulumiIn, type StackWorkspace } from "../local/localStack";
import type { ProgramSpec, ProgramStep } from "../local/programHost";
import { run, runProgram, type CommandResult } from "../local/pulumi";
import { check, StepFailure } from "./steps";
import type { ClusterTools } from "../local/tools";

export const STACK = LOCAL_STACK;
const PROJECT = "prices-api-netpol";
/** The caller the change step adds through config. */
export const SECOND_CALLER = { namespace: "billing", namespaceLabels: { team: "billing" }, podLabels: { app: "invoicer" } };
const DRIFT_POLICY = "e2e-drift-allow-all";
const E2E_PROBE_LABEL = "prices-api-e2e/probe";
const STACK_NAMESPACES = ["pricing-ns", "critical-project"];

export interface E2eContext extends StackWorkspace {
  tools: ClusterTools;
  cluster: LocalCluster;
  /** Folder for reports, results and logs of this run. */
  workDir: string;
}

const pulumi = (ctx: E2eContext, args: string[], cwd = ctx.projectDir) => pulumiIn(ctx, args, cwd);
const npmRun = (ctx: E2eContext, script: string, args: string[]) =>
  run("npm", ["run", "--silent", script, "--", ...args], { cwd: ctx.projectDir, env: ctx.env, logFile: ctx.logFile });

/** `preview` or `up` of the stack's program (another project and stack when given). */
const program = (ctx: E2eContext, spec: Pick<ProgramSpec, "operation"> & Partial<Omit<ProgramSpec, "resultFile" | "pulumiRoot">>) =>
  runProgram({ projectDir: ctx.projectDir, stack: STACK, ...spec }, ctx.tools, ctx.env, ctx.logFile);

function lastLines(res: CommandResult, n = 12): string {
  return res.output.trimEnd().split("\n").slice(-n).join("\n");
}

const mustSucceed = <T extends CommandResult>(res: T, what: string): T => succeeded(res, what, StepFailure);

/** A fresh stack `local` in the temp backend; Pulumi.local.yaml targets the local cluster's context. */
export async function initStack(ctx: E2eContext): Promise<string> {
  const { created } = await prepareStack(ctx);
  check(created, "the backend of a fresh e2e run already had a local stack");
  const config = readStackConfig(STACK, ctx.projectDir);
  check(config.kubeContext === CLUSTER_CONTEXT, `Pulumi.local.yaml deploys to context ${config.kubeContext}, not the local cluster's ${CLUSTER_CONTEXT}`);
  const plugins = await pulumi(ctx, ["plugin", "ls"]);
  check(plugins.stdout.includes(ctx.tools.versions.PULUMI_KUBERNETES_VERSION), `the kubernetes plugin ${ctx.tools.versions.PULUMI_KUBERNETES_VERSION} is not installed:\n${plugins.output}`);
  return `stack ${STACK} in ${ctx.env.PULUMI_BACKEND_URL}, kubeContext ${CLUSTER_CONTEXT}, images ${config.pricesApiImage} (stand-in) and ${config.probeImage}, provider plugin kubernetes ${ctx.tools.versions.PULUMI_KUBERNETES_VERSION} from ${ctx.tools.kubernetesProvider}`;
}

const kubernetesSteps = (steps: ProgramStep[]) => steps.filter((s) => s.type.startsWith("kubernetes:"));
const urnName = (urn: string) => urn.slice(urn.lastIndexOf("::") + 2);

// ---- 1. Preview with the guardrails ---------------------------------------------------------

export async function previewWithPolicyPack(ctx: E2eContext): Promise<string> {
  const res = await program(ctx, { operation: "preview", policyPacks: [path.join(ctx.projectDir, "policy")] });
  mustSucceed(res, "preview --policy-pack policy");
  // Listed as run whether or not any of its (advisory) rules had something to say.
  check(/Policy Packs run:\s*\n\s*Name\s+Version\s*\n\s*prices-api-guardrails\S*\s+0\.1\.0/.test(res.output), `the preview did not run the policy pack:\n${lastLines(res)}`);
  check(!/mandatory/.test(res.output), `a mandatory policy failed on the stack:\n${lastLines(res, 30)}`);
  const target = `deploying to kubeconfig context ${CLUSTER_CONTEXT} (${ctx.cluster.server})`;
  const said = (res.result?.diagnostics ?? []).map((d) => d.message);
  check(said.includes(target), `the preview does not say "${target}"; it says: ${JSON.stringify(said)}`);
  const creates = kubernetesSteps(res.result?.steps ?? []).filter((s) => s.op === "create");
  check(creates.length === 6, `expected 6 Kubernetes objects to create, the preview plans ${creates.length}: ${creates.map((s) => urnName(s.urn)).join(", ")}`);
  return `passes with policy pack prices-api-guardrails; plans ${creates.length} Kubernetes objects: ${creates.map((s) => urnName(s.urn)).join(", ")}`;
}

export async function previewFixtureBreaksRule(ctx: E2eContext): Promise<string> {
  const fixtureDir = path.join(ctx.projectDir, "e2e", "fixtures", "public-service");
  mustSucceed(await pulumi(ctx, ["stack", "init", "fixture", "--secrets-provider", "passphrase"], fixtureDir), "pulumi stack init (fixture)");
  const res = await program(ctx, { operation: "preview", projectDir: fixtureDir, stack: "fixture", policyPacks: [path.join(ctx.projectDir, "policy")] });
  check(res.code !== 0, `the preview of a LoadBalancer Service without ${"guardrails.prices-api/allow-external"} passed; the policy pack must fail it:\n${lastLines(res)}`);
  check(/no-external-service/.test(res.output) && /mandatory/.test(res.output), `the failed preview does not name the rule no-external-service:\n${lastLines(res, 30)}`);
  mustSucceed(await pulumi(ctx, ["stack", "rm", "fixture", "--yes"], fixtureDir), "pulumi stack rm (fixture)");
  return "a LoadBalancer Service without the annotation fails its preview with [mandatory] no-external-service";
}

// ---- 2. Up ----------------------------------------------------------------------------------

async function getJson<T>(ctx: E2eContext, args: string[]): Promise<T> {
  return JSON.parse(await ctx.cluster.kubectl([...args, "-o", "json"])) as T;
}

interface ApiObject {
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: unknown;
  status?: { conditions?: Array<{ type: string; status: string }>; phase?: string };
}

/** The stack's objects as `npm run manifests` prints them (the same builders the components apply). */
async function manifests(ctx: E2eContext): Promise<KubeObject[]> {
  const res = mustSucceed(await npmRun(ctx, "manifests", ["--stack", STACK]), "npm run manifests");
  return parseAllDocuments(res.stdout).map((d) => d.toJS() as KubeObject).filter(Boolean);
}

function sameLabels(want: Record<string, string> | undefined, have: Record<string, string> | undefined): boolean {
  return Object.entries(want ?? {}).every(([k, v]) => have?.[k] === v);
}

/** Every object of the stack is on the API server with its name and labels, and the policies' specs are exactly the manifests'. */
async function readBack(ctx: E2eContext): Promise<string> {
  const want = await manifests(ctx);
  for (const object of want) {
    const kind = object.kind.toLowerCase();
    const live = await getJson<ApiObject>(ctx, ["get", kind, object.metadata.name, ...(object.metadata.namespace ? ["-n", object.metadata.namespace] : [])]);
    check(sameLabels(object.metadata.labels, live.metadata.labels), `${object.kind} ${object.metadata.name}: labels ${JSON.stringify(live.metadata.labels)} lack ${JSON.stringify(object.metadata.labels)}`);
    if (object.kind === "NetworkPolicy") {
      check(isDeepStrictEqual(live.spec, object.spec), `NetworkPolicy ${object.metadata.name}: the API server holds\n${JSON.stringify(live.spec)}\nnpm run manifests says\n${JSON.stringify(object.spec)}`);
    }
  }
  const deployment = await getJson<ApiObject>(ctx, ["get", "deployment", "prices-api-deployment", "-n", "pricing-ns"]);
  const available = deployment.status?.conditions?.find((c) => c.type === "Available")?.status;
  check(available === "True", `Deployment prices-api-deployment is not Available (${JSON.stringify(deployment.status?.conditions)})`);
  return `${want.length} objects read back (${want.map((o) => `${o.kind} ${o.metadata.name}`).join(", ")}), NetworkPolicy specs equal npm run manifests, Deployment Available`;
}

export async function up(ctx: E2eContext): Promise<string> {
  const res = await program(ctx, { operation: "up" });
  mustSucceed(res, "up");
  const created = kubernetesSteps(res.result?.steps ?? []).filter((s) => s.op === "create").length;
  check(created === 6, `up created ${created} Kubernetes objects, expected 6`);
  return `created ${created} objects; ${await readBack(ctx)}`;
}

// ---- 3. No drift after up -------------------------------------------------------------------

export async function noDriftAfterUp(ctx: E2eContext): Promise<string> {
  const preview = await program(ctx, { operation: "preview", expectNoChanges: true });
  mustSucceed(preview, "preview --expect-no-changes");
  const refresh = mustSucceed(await pulumi(ctx, ["refresh", "--yes", "--expect-no-changes", "-s", STACK]), "pulumi refresh --expect-no-changes");
  const unchanged = /Resources:\s+(\d+) unchanged\s*\n\s*\n/.exec(refresh.stdout)?.[1];
  check(unchanged !== undefined, `refresh reports changes:\n${lastLines(refresh)}`);
  return `preview --expect-no-changes and refresh --expect-no-changes both pass (${unchanged} resources unchanged)`;
}

// ---- 3b. A preview on a read-only backend ---------------------------------------------------

/** Every directory and file under `dir`, a file with the sha256 of its content. */
function backendSnapshot(dir: string, into = new Map<string, string>()): Map<string, string> {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      into.set(`${full}/`, "dir");
      backendSnapshot(full, into);
    } else {
      into.set(full, createHash("sha256").update(fs.readFileSync(full)).digest("hex"));
    }
  }
  return into;
}

function snapshotDiff(before: Map<string, string>, after: Map<string, string>): string[] {
  const keys = [...new Set([...before.keys(), ...after.keys()])].sort();
  return keys.flatMap((k) => (before.get(k) === after.get(k) ? [] : [`${k}: ${before.has(k) ? (after.has(k) ? "changed" : "removed") : "added"}`]));
}

/**
 * The pull-request preview identity may only read the state (Storage Blob Data Reader): a preview
 * must pass on a backend it cannot write, and leave it as it was. The file backend is bind-mounted
 * read-only over itself (mount needs root) for one `preview --expect-no-changes`, and always
 * unmounted again.
 */
export async function previewOnReadOnlyBackend(ctx: E2eContext): Promise<string> {
  const stateDir = new URL(ctx.env.PULUMI_BACKEND_URL!).pathname;
  const sh = (command: string, args: string[]) => run(command, args, { cwd: ctx.projectDir, env: ctx.env, logFile: ctx.logFile });
  const before = backendSnapshot(stateDir);
  mustSucceed(await sh("mount", ["--bind", stateDir, stateDir]), `mount --bind ${stateDir} (needs root)`);
  let preview: CommandResult;
  try {
    mustSucceed(await sh("mount", ["-o", "remount,bind,ro", stateDir]), `mount -o remount,bind,ro ${stateDir}`);
    let writable = true;
    try {
      fs.writeFileSync(path.join(stateDir, ".e2e-write-probe"), "");
    } catch (err) {
      writable = (err as NodeJS.ErrnoException).code !== "EROFS";
    }
    check(!writable, `${stateDir} is still writable after the read-only remount`);
    preview = await program(ctx, { operation: "preview", expectNoChanges: true });
  } finally {
    mustSucceed(await sh("umount", [stateDir]), `umount ${stateDir}`);
  }
  mustSucceed(preview, "preview --expect-no-changes on the read-only backend");
  const changed = snapshotDiff(before, backendSnapshot(stateDir));
  check(changed.length === 0, `the preview changed the backend:\n  ${changed.join("\n  ")}`);
  return `preview --expect-no-changes passes with the backend mounted read-only (writes fail with EROFS); its ${before.size} files and folders are unchanged`;
}

// ---- 4. A change, exactly -------------------------------------------------------------------

/** The stack's objects for its current config, and the intent gate's probe pods with the namespaces they add. */
function stackWithProbes(ctx: E2eContext): { base: KubeObject[]; probes: KubeObject[] } {
  const config = readStackConfig(STACK, ctx.projectDir);
  const base = [...stackObjects(config)];
  return { base, probes: probeObjectsAddedTo(base, probeCallers(stackIntent(config))) };
}

function withImage(pod: KubeObject, image: string): KubeObject {
  const spec = pod.spec as { containers: Array<Record<string, unknown>> };
  return { ...pod, spec: { ...spec, terminationGracePeriodSeconds: 1, containers: spec.containers.map((c) => ({ ...c, image })) } };
}

/** Applies the intent gate's probe pods (and the namespaces they need) for the stack's current config. */
async function applyProbes(ctx: E2eContext): Promise<KubeObject[]> {
  const { probeImage } = readStackConfig(STACK, ctx.projectDir);
  const objects = stackWithProbes(ctx)
    .probes
    // A label no policy selects, so the e2e can find and remove exactly these pods; and the
    // stack's probe image, the one the local cluster has.
    .map((o) => (o.kind === "Pod" ? withImage({ ...o, metadata: { ...o.metadata, labels: { ...o.metadata.labels, [E2E_PROBE_LABEL]: "true" } } }, probeImage) : o));
  await ctx.cluster.kubectl(["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "List", items: objects }));
  const pods = objects.filter((o) => o.kind === "Pod");
  await waitFor("the probe pods Running with an IP", 90_000, async () => {
    const list = await getJson<{ items: Array<ApiObject & { status: { podIP?: string } }> }>(ctx, ["get", "pods", "-A", "-l", `${E2E_PROBE_LABEL}=true`]);
    const running = new Set(list.items.filter((p) => p.status.phase === "Running" && p.status.podIP).map((p) => `${p.metadata.namespace}/${p.metadata.name}`));
    return pods.every((p) => running.has(`${p.metadata.namespace}/${p.metadata.name}`)) ? true : undefined;
  });
  return objects;
}

/** `npm run connectivity -- SOURCE --format json`, saved as NAME.json in the work dir. */
async function connectivityReport(ctx: E2eContext, name: string, source: string[]): Promise<string> {
  const res = mustSucceed(await npmRun(ctx, "connectivity", [...source, "--format", "json"]), `npm run connectivity -- ${source[0]}`);
  const file = path.join(ctx.workDir, `${name}.json`);
  fs.writeFileSync(file, res.stdout);
  return file;
}

const liveReport = (ctx: E2eContext, name: string) => connectivityReport(ctx, name, ["--kubeconfig", ctx.cluster.kubeconfig, "--context", CLUSTER_CONTEXT]);
const stackReport = (ctx: E2eContext, name: string) => connectivityReport(ctx, name, ["--stack", STACK]);

const connections = (file: string) => (JSON.parse(fs.readFileSync(file, "utf8")) as Pick<JsonReport, "connections">).connections;
const into = (file: string, to: string) => connections(file).filter((c) => c.to === to && c.port === 8080);

export async function changeExactly(ctx: E2eContext): Promise<string> {
  const set = async (key: string, value: string) => mustSucceed(await pulumi(ctx, ["config", "set", "--path", key, value, "-s", STACK]), `pulumi config set --path ${key}`);
  // The first caller as the default has it, then the new one.
  await set("allowedCallers[0].namespace", "critical-project");
  await set("allowedCallers[0].namespaceLabels.project", "critical-project");
  await set("allowedCallers[0].podLabels.app", "prices-api-consumer");
  await set("allowedCallers[1].namespace", SECOND_CALLER.namespace);
  await set("allowedCallers[1].namespaceLabels.team", SECOND_CALLER.namespaceLabels.team);
  await set("allowedCallers[1].podLabels.app", SECOND_CALLER.podLabels.app);

  const preview = mustSucceed(await program(ctx, { operation: "preview" }), "preview of the second caller");
  const changed = (preview.result?.steps ?? []).filter((s) => s.op !== "same");
  const described = changed.map((s) => `${s.op} ${s.type} ${urnName(s.urn)}${s.diffs.length ? ` (${s.diffs.join(", ")})` : ""}`);
  const expected = [`create kubernetes:core/v1:Namespace access-policy-${SECOND_CALLER.namespace}`, "update kubernetes:networking.k8s.io/v1:NetworkPolicy access-policy-prices-api-network-policy"];
  const got = changed.map((s) => `${s.op} ${s.type} ${urnName(s.urn)}`).sort();
  check(JSON.stringify(got) === JSON.stringify([...expected].sort()), `the preview should change exactly:\n  ${expected.join("\n  ")}\nit changes:\n  ${described.join("\n  ") || "(nothing)"}`);

  mustSucceed(await program(ctx, { operation: "up" }), "up of the second caller");
  await readBack(ctx);
  await applyProbes(ctx);
  const report = await liveReport(ctx, "live-after-change");
  const toApi = into(report, "pricing-ns/prices-api-deployment");
  const verdict = (from: string) => toApi.find((c) => c.from === from)?.allowed;
  const newCaller = toApi.find((c) => c.from.startsWith(`${SECOND_CALLER.namespace}/`));
  check(newCaller?.allowed === true, `live connectivity: no allowed connection from ${SECOND_CALLER.namespace} to prices-api (${JSON.stringify(toApi)})`);
  for (const copycat of [`copycat-${SECOND_CALLER.namespace}`, "copycat-critical-project"]) {
    const c = toApi.find((x) => x.from.startsWith(`${copycat}/`));
    check(c !== undefined && c.allowed === false, `live connectivity: ${copycat} should be denied, got ${JSON.stringify(c)}`);
  }
  check(verdict("critical-project/consumer-1") === true || verdict("critical-project/consumer") === true, `live connectivity: the first caller lost access (${JSON.stringify(toApi)})`);
  return `preview changes exactly [${described.join("; ")}]; after up, live connectivity: ${newCaller.from} allowed, copycat-${SECOND_CALLER.namespace} and copycat-critical-project denied`;
}

// ---- 5. Drift detection ---------------------------------------------------------------------

const ALLOW_ALL: KubeObject = {
  apiVersion: "networking.k8s.io/v1",
  kind: "NetworkPolicy",
  metadata: { name: DRIFT_POLICY, namespace: "pricing-ns" },
  spec: { podSelector: {}, policyTypes: ["Ingress"], ingress: [{}] },
};

/**
 * Live against stack, over the stack's own pods (the intent gate's probes included): the cluster's
 * own, such as CoreDNS in kube-system, are in no stack and are no drift of this one.
 */
function driftOf(stackFile: string, liveFile: string): ConnectivityDiff {
  const read = (f: string) => parseConnectivityReport(fs.readFileSync(f, "utf8"), f);
  const stack = read(stackFile);
  const ours = new Set(stack.pods);
  const live = read(liveFile);
  const connections = live.connections.filter((c) => ours.has(c.from) && ours.has(c.to));
  return diffConnectivity(stack, { connections, pods: live.pods.filter((p) => ours.has(p)) });
}

const key = (c: { from: string; to: string; port: number }) => `${c.from} -> ${c.to}:${c.port}`;

/** What the allow-all policy opens, by the engine alone: the stack with probes, with and without it. */
function expectedOpened(ctx: E2eContext): string[] {
  const { base, probes } = stackWithProbes(ctx);
  const allowed = (objects: KubeObject[]) => new Set([...computeMatrix(buildModel(objects).model).connections()].filter((c) => c.allowed).map(key));
  const before = allowed([...base, ...probes]);
  return [...allowed([...base, ...probes, ALLOW_ALL])].filter((k) => !before.has(k)).sort();
}

export async function driftDetection(ctx: E2eContext): Promise<string> {
  const stack = await stackReport(ctx, "stack");
  const clean = driftOf(stack, await liveReport(ctx, "live-before-drift"));
  check(clean.opened.length === 0 && clean.closed.length === 0, `before any drift, live and stack differ: opened ${clean.opened.map(key).join(", ")}; closed ${clean.closed.map(key).join(", ")}`);

  await ctx.cluster.kubectl(["apply", "-f", "-"], JSON.stringify(ALLOW_ALL));
  const drift = driftOf(stack, await liveReport(ctx, "live-with-drift"));
  const want = expectedOpened(ctx);
  const got = drift.opened.map(key).sort();
  check(want.length > 0, "the allow-all policy should open connections");
  check(JSON.stringify(got) === JSON.stringify(want) && drift.closed.length === 0, `drift report differs from what ${DRIFT_POLICY} opens:\n  expected opened: ${want.join(", ")}\n  reported opened: ${got.join(", ")}\n  reported closed: ${drift.closed.map(key).join(", ")}`);

  await ctx.cluster.kubectl(["delete", "networkpolicy", DRIFT_POLICY, "-n", "pricing-ns"]);
  const after = driftOf(stack, await liveReport(ctx, "live-after-drift"));
  check(after.opened.length === 0 && after.closed.length === 0, `after removing ${DRIFT_POLICY}, live and stack still differ`);
  // The probe pods have served: verify (step 7) creates its own and must find no namespace in its way.
  await ctx.cluster.kubectl(["delete", "pods", "-A", "-l", `${E2E_PROBE_LABEL}=true`, "--wait=true"]);
  await ctx.cluster.kubectl(["delete", "namespaces", "-l", `${PROBE_LABEL}=true`, "--wait=true"]);
  return `live = stack before; kubectl apply of ${DRIFT_POLICY}: the live-vs-stack diff reports exactly the ${got.length} connections it opens (${got.slice(0, 2).join("; ")}${got.length > 2 ? "; ..." : ""}), none closed; removed again: no drift`;
}

// ---- 6. State survives an unreachable cluster -----------------------------------------------

interface Deployment {
  resources?: Array<{ urn: string; type: string }>;
}

async function stateKubernetesObjects(ctx: E2eContext): Promise<string[]> {
  const res = mustSucceed(await pulumi(ctx, ["stack", "export", "-s", STACK]), "pulumi stack export");
  const doc = JSON.parse(res.stdout) as { deployment?: Deployment };
  return (doc.deployment?.resources ?? []).filter((r) => r.type.startsWith("kubernetes:")).map((r) => urnName(r.urn)).sort();
}

export async function stateSurvivesUnreachableCluster(ctx: E2eContext): Promise<string> {
  const before = await stateKubernetesObjects(ctx);
  check(before.length === 7, `expected 7 Kubernetes objects in state before (6 + the ${SECOND_CALLER.namespace} namespace), found ${before.length}: ${before.join(", ")}`);
  await ctx.cluster.stopApiServer();
  let refresh: CommandResult;
  try {
    refresh = await pulumi(ctx, ["refresh", "--yes", "-s", STACK]);
  } finally {
    await ctx.cluster.startApiServer();
  }
  check(refresh.code !== 0, `refresh against a stopped API server succeeded; it must fail:\n${lastLines(refresh)}`);
  const after = await stateKubernetesObjects(ctx);
  check(JSON.stringify(after) === JSON.stringify(before), `state lost objects while the cluster was unreachable: before ${before.join(", ")}; after ${after.join(", ")}`);
  const reason = /error: (?:Preview failed: )?(failed to read resource state due to unreachable cluster)/.exec(refresh.output)?.[1];
  check(reason !== undefined, `refresh failed for another reason than the unreachable cluster:\n${lastLines(refresh)}`);
  return `refresh failed (exit ${refresh.code}: "${reason}"); stack export still lists all ${after.length} objects`;
}

// ---- verify on real packets ------------------------------------------------------------------

async function labelled(ctx: E2eContext, selector: string): Promise<string[]> {
  const out = await ctx.cluster.kubectl(["get", "pods,namespaces", "-A", "-l", selector, "-o", "name"]);
  return out.split("\n").filter(Boolean);
}

const verify = (ctx: E2eContext) => npmRun(ctx, "verify", ["--stack", STACK, "--kubeconfig", ctx.cluster.kubeconfig, "--context", CLUSTER_CONTEXT, "--timeout", "60"]);

/** Runs verify and waits until every object of its run is gone (verify deletes them; namespaces take a moment). */
async function verifyRun(ctx: E2eContext): Promise<CommandResult & { runId: string }> {
  const res = await verify(ctx);
  const runId = /run id ([a-z0-9]+)/.exec(res.output)?.[1];
  check(runId !== undefined, `verify printed no run id:\n${lastLines(res)}`);
  await waitFor(`verify's namespaces of run ${runId} to be gone`, 90_000, async () => ((await labelled(ctx, `${RUN_ID_LABEL}=${runId}`)).length === 0 ? true : undefined));
  const leftovers = await labelled(ctx, `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`);
  check(leftovers.length === 0, `verify left objects behind: ${leftovers.join(", ")}`);
  return { ...res, runId };
}

/** A verify table row's observation: "allowed", "denied" or "error" for the probe in namespace `ns`. */
function observed(output: string, ns: string): string[] {
  return [...output.matchAll(new RegExp(`^\\S+\\s+${ns}\\s+\\S+\\s+(?:allowed|denied)(?: \\(intent: \\w+\\))?\\s+(allowed|denied|error)\\s`, "gm"))].map((m) => m[1]);
}

export async function verifyEnforced(ctx: E2eContext): Promise<string> {
  const res = await verifyRun(ctx);
  check(res.code === 0, `verify failed on the enforcing cluster (exit ${res.code}):\n${lastLines(res, 25)}`);
  const ok = /^OK: all (\d+) probes behaved as the policies say\.$/m.exec(res.output);
  check(ok !== null, `verify did not say OK:\n${lastLines(res, 25)}`);
  check(/HTTP 200/.test(res.output), `the allowed caller got no HTTP 200:\n${lastLines(res, 25)}`);
  const blocked = /^Blocked connections: (.*)\.$/m.exec(res.output)?.[1];
  check(blocked !== undefined && /refused at once/.test(blocked), `verify does not say how the impostors were blocked (kube-router REJECTs):\n${lastLines(res, 25)}`);
  return `exit 0: ${ok[0]} The consumer got HTTP 200; blocked: ${blocked}`;
}

/** kube-router's chains, back in the kernel after a restart (it syncs the policies it sees at once). */
async function enforcerSynced(ctx: E2eContext): Promise<void> {
  await waitFor("kube-router's policy chains", 60_000, async () => {
    const rules = await ctx.cluster.inside("iptables-save", ["-t", "filter"]);
    return /^-A KUBE-ROUTER-FORWARD /m.test(rules) && /^:KUBE-NWPLCY-/m.test(rules) ? true : undefined;
  });
}

export async function verifyWithoutEnforcer(ctx: E2eContext): Promise<string> {
  await ctx.cluster.stopEnforcer();
  let res: CommandResult;
  try {
    res = await verifyRun(ctx);
  } finally {
    await ctx.cluster.startEnforcer();
    await enforcerSynced(ctx);
  }
  check(res.code === 1, `verify did not fail with the enforcer stopped (exit ${res.code}):\n${lastLines(res, 25)}`);
  const diagnosis = res.output.split("\n").find((l) => l.startsWith("NetworkPolicies are not enforced on this cluster (no policy engine?)"));
  check(diagnosis !== undefined, `verify did not say "no policy engine":\n${lastLines(res, 25)}`);
  return `kube-router stopped and its rules removed: verify exit 1, "${diagnosis.slice(0, 90)}..."; kube-router restarted and its chains back`;
}

/** The tutorial's two-peer policy over ours (same name): Kubernetes ORs the peers. */
const TUTORIAL_OR_POLICY = path.join(__dirname, "..", "tests", "fixtures", "e2e", "tutorial-or-policy.yaml");

export async function verifyTutorialOrPolicy(ctx: E2eContext): Promise<string> {
  await ctx.cluster.kubectl(["apply", "-f", TUTORIAL_OR_POLICY]);
  await sleep(3000); // kube-router resyncs on the policy change within a second
  const res = await verifyRun(ctx);
  check(res.code === 1, `verify passed with the tutorial's OR policy in place (exit ${res.code}):\n${lastLines(res, 25)}`);
  const letIn = [...res.output.matchAll(/^✗ (\S+) \(([^)]*)\): expected denied, observed allowed$/gm)].map((m) => m[1]);
  check(letIn.some((p) => p.startsWith("copycat-critical-project/")), `verify does not name the copycat namespace's impostor as let in:\n${lastLines(res, 25)}`);
  check(observed(res.output, "critical-project").includes("allowed"), "the allowed caller lost access under the OR policy");
  return `verify exit 1 and names the impostors the OR policy let in: ${letIn.join(", ")}`;
}

export async function verifyKeepsForeignNamespace(ctx: E2eContext): Promise<string> {
  // Somebody's namespace with the name verify wants: verify must stop cleanly and leave it alone.
  const taken = "copycat-critical-project";
  await ctx.cluster.kubectl(["create", "namespace", taken]);
  const second = await verify(ctx);
  check(second.code !== 0, `verify passed although namespace ${taken} was taken:\n${lastLines(second)}`);
  check(new RegExp(`namespace ${taken} already exists and is not verify's`).test(second.output), `verify did not name the taken namespace:\n${lastLines(second)}`);
  await sleep(2000);
  const ns = await getJson<ApiObject>(ctx, ["get", "namespace", taken]);
  check(ns.status?.phase === "Active", `verify deleted or touched namespace ${taken} (${ns.status?.phase})`);
  check((await labelled(ctx, `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`)).length === 0, "verify left objects behind");
  await ctx.cluster.kubectl(["delete", "namespace", taken, "--wait=true"]);
  return `a hand-made namespace ${taken} stops verify (exit ${second.code}, "already exists and is not verify's") and survives it`;
}

// ---- the tutorial's own checks --------------------------------------------------------------

export async function tutorialChecks(ctx: E2eContext): Promise<string> {
  const checks = await Promise.all(
    (["allow", "deny"] as const).map(async (kind) => {
      const res = await npmRun(ctx, "check", [kind, "--stack", STACK, "--kubeconfig", ctx.cluster.kubeconfig]);
      check(res.code === 0, `npm run check -- ${kind} exited ${res.code}:\n${lastLines(res)}`);
      return res.output.split("\n").find((l) => l.startsWith(`${kind} check:`)) ?? "";
    }),
  );
  check(/prices-api answered; as expected/.test(checks[0]) && /blocked: connection refused .*; as expected/.test(checks[1]), `the checks did not say answered and refused:\n${checks.join("\n")}`);
  // The outputs only describe the two checks: nothing that runs is read from the state.
  const outputs = JSON.parse(mustSucceed(await pulumi(ctx, ["stack", "output", "--json", "-s", STACK]), "pulumi stack output").stdout) as Record<string, unknown>;
  check(!JSON.stringify(outputs).includes("kubectl run"), `an output still holds a command: ${JSON.stringify(outputs)}`);
  return checks.map((c) => c.replace(/ \(curl exit \d+\), the way .*;/, ";")).join("; ");
}

// ---- 8. The reaper --------------------------------------------------------------------------

const REAP_STACKS = [
  { stack: "reap-expired", expiresAt: "2020-01-31", protect: false },
  { stack: "reap-next-year", expiresAt: `${new Date().getUTCFullYear() + 1}-12-31`, protect: false },
  { stack: "reap-protected", expiresAt: "2020-01-31", protect: true },
];

async function namespaceGone(ctx: E2eContext, name: string): Promise<boolean> {
  const out = await ctx.cluster.kubectl(["get", "namespace", name, "--ignore-not-found", "-o", "name"]);
  return out.trim() === "";
}

async function stackNames(ctx: E2eContext): Promise<string[]> {
  const res = mustSucceed(await pulumi(ctx, ["stack", "ls", "--json"]), "pulumi stack ls");
  return (JSON.parse(res.stdout) as Array<{ name: string }>).map((s) => s.name).sort();
}

export async function reaper(ctx: E2eContext): Promise<string> {
  // Three demo stacks of this project, each owning one namespace, with expiry and protection in their outputs.
  const reapDir = path.join(ctx.workDir, "reap-project");
  fs.mkdirSync(reapDir, { recursive: true });
  fs.writeFileSync(path.join(reapDir, "Pulumi.yaml"), `name: ${PROJECT}\nruntime: nodejs\n`);
  fs.copyFileSync(path.join(__dirname, "fixtures", "reap-stack.ts"), path.join(reapDir, "index.ts"));
  fs.copyFileSync(path.join(ctx.projectDir, "tsconfig.json"), path.join(reapDir, "tsconfig.json"));
  fs.symlinkSync(path.join(ctx.projectDir, "node_modules"), path.join(reapDir, "node_modules"), "dir");
  for (const s of REAP_STACKS) {
    mustSucceed(await pulumi(ctx, ["stack", "init", s.stack, "--secrets-provider", "passphrase"], reapDir), `pulumi stack init ${s.stack}`);
    mustSucceed(await pulumi(ctx, ["config", "set", "expiresAt", s.expiresAt, "-s", s.stack], reapDir), "config set expiresAt");
    mustSucceed(await pulumi(ctx, ["config", "set", "protect", String(s.protect), "-s", s.stack], reapDir), "config set protect");
    mustSucceed(await program(ctx, { operation: "up", projectDir: reapDir, stack: s.stack }), `up ${s.stack}`);
  }
  const all = REAP_STACKS.map((s) => `e2e-${s.stack}`);

  const dry = mustSucceed(await npmRun(ctx, "reap", ["--dry-run"]), "npm run reap -- --dry-run");
  check(/reap-expired\s.*would destroy/.test(dry.stdout), `the dry run does not say it would destroy reap-expired:\n${dry.stdout}`);
  for (const ns of all) check(!(await namespaceGone(ctx, ns)), `the dry run destroyed namespace ${ns}`);
  check(JSON.stringify(await stackNames(ctx)) === JSON.stringify([STACK, ...REAP_STACKS.map((s) => s.stack)].sort()), "the dry run removed a stack");

  const real = mustSucceed(await npmRun(ctx, "reap", ["--yes"]), "npm run reap -- --yes");
  check(/reap-expired\s.*destroyed and removed/.test(real.stdout), `reap did not destroy reap-expired:\n${real.stdout}`);
  check(await namespaceGone(ctx, "e2e-reap-expired"), "namespace e2e-reap-expired still exists after reap");
  for (const ns of ["e2e-reap-next-year", "e2e-reap-protected"]) check(!(await namespaceGone(ctx, ns)), `reap destroyed namespace ${ns}`);
  const left = await stackNames(ctx);
  check(JSON.stringify(left) === JSON.stringify([STACK, "reap-next-year", "reap-protected"].sort()), `stacks after reap: ${left.join(", ")}`);
  check((await stateKubernetesObjects(ctx)).length === 7, "reap touched the local stack");

  for (const s of ["reap-next-year", "reap-protected"]) {
    if (s === "reap-protected") mustSucceed(await pulumi(ctx, ["state", "unprotect", "--all", "--yes", "-s", s], reapDir), "pulumi state unprotect");
    mustSucceed(await pulumi(ctx, ["destroy", "--yes", "-s", s], reapDir), `pulumi destroy ${s}`);
    mustSucceed(await pulumi(ctx, ["stack", "rm", s, "--yes"], reapDir), `pulumi stack rm ${s}`);
  }
  return "dry run destroyed nothing; reap destroyed and removed only reap-expired (namespace gone on the API server, stack gone from the backend); reap-next-year and reap-protected kept";
}

// ---- 9. Destroy -----------------------------------------------------------------------------

export async function destroy(ctx: E2eContext): Promise<string> {
  mustSucceed(await pulumi(ctx, ["destroy", "--yes", "-s", STACK]), "pulumi destroy");
  const remaining = await stateKubernetesObjects(ctx);
  check(remaining.length === 0, `state still holds ${remaining.join(", ")} after destroy`);
  mustSucceed(await pulumi(ctx, ["stack", "rm", STACK, "--yes"]), "pulumi stack rm");
  for (const ns of [...STACK_NAMESPACES, SECOND_CALLER.namespace]) {
    check(await namespaceGone(ctx, ns), `namespace ${ns} is still there (not deleted, or stuck Terminating)`);
  }
  const stacks = await stackNames(ctx);
  check(stacks.length === 0, `stacks left in the backend: ${stacks.join(", ")}`);
  const stateDir = new URL(ctx.env.PULUMI_BACKEND_URL!).pathname;
  const files = fs.readdirSync(path.join(stateDir, ".pulumi", "stacks", PROJECT)).filter((f) => f.endsWith(".json"));
  check(files.length === 0, `stack files left in the backend: ${files.join(", ")}`);
  return `destroyed and removed: namespaces ${[...STACK_NAMESPACES, SECOND_CALLER.namespace].join(", ")} gone from the API server, no stack left in the backend`;
}

// ---- Ctrl-C and SIGTERM ---------------------------------------------------------------------

/**
 * `npm run local -- up` in a folder of its own, stopped by `signal` once its cluster is half-way
 * up (the API server answers, no node yet): it must tear down what it started and exit 130, and
 * leave no process, cgroup, mount or folder of that cluster, and the host as it was.
 */
async function interruptedUp(ctx: E2eContext, signal: NodeJS.Signals, when: RegExp): Promise<string> {
  const dir = fs.mkdtempSync(path.join(ctx.workDir, `interrupted-${signal.toLowerCase()}-`));
  const before = hostSnapshot();
  const child = spawn(process.execPath, ["-r", "./cli/register.js", "local/main.ts", "up"], {
    cwd: path.join(__dirname, ".."),
    env: { ...process.env, PRICES_API_NETPOL_LOCAL_DIR: dir },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  let record: ClusterRecord | undefined;
  try {
    await waitFor(`npm run local -- up to get to ${when}`, 180_000, async () => {
      if (child.exitCode !== null) throw new Error(`it exited ${child.exitCode} first:\n${output.slice(-2000)}`);
      return when.test(output) ? true : undefined;
    });
    record = clusterRecordOf(path.join(dir, "cluster"));
    check(record !== undefined, `no cluster record in ${dir}/cluster while it started`);
    child.kill(signal);
    const code = await Promise.race([exited, sleep(60_000).then(() => "still running")]);
    check(code === 130, `after ${signal} npm run local -- up exited ${code}, not 130:\n${output.slice(-1500)}`);
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
  }
  const left = [...clusterLeftovers(record, { folderKept: false }), ...snapshotDifferences(before, hostSnapshot())];
  check(left.length === 0, `after ${signal}, the host is not as it was: ${left.join("; ")}`);
  check(!fs.existsSync(path.join(dir, "cluster")), `after ${signal}, ${dir}/cluster is still there`);
  fs.rmSync(dir, { recursive: true, force: true });
  return `${signal} ${when.source.replace(/\\/g, "")}: exit 130, torn down (${(/tearing down the cluster this run started/.test(output) ? "it said so" : "silently")}), nothing of it left`;
}

export async function interruptedUpLeavesNothing(ctx: E2eContext): Promise<string> {
  const term = await interruptedUp(ctx, "SIGTERM", /local cluster: API server ready/);
  const int = await interruptedUp(ctx, "SIGINT", /local cluster: containerd running/);
  return `${term}; ${int}`;
}

// ---- the engine against real packets --------------------------------------------------------

/** `npm run conformance` on this cluster: it must exit 0, and its summary line is the detail. */
async function conformance(ctx: E2eContext, source: string[]): Promise<string> {
  const res = await npmRun(ctx, "conformance", ["--kubeconfig", ctx.cluster.kubeconfig, ...source]);
  const summary = res.output.split("\n").find((l) => l.startsWith("conformance: ") && /cases, .* probes/.test(l)) ?? "";
  check(res.code === 0, `npm run conformance -- ${source.join(" ")} exited ${res.code} (${summary || "no summary"}):\n${lastLines(res, 30)}`);
  check(/ 0 disagreements,/.test(summary), `npm run conformance -- ${source.join(" ")} passed without saying 0 disagreements: ${summary}`);
  return summary.replace(/^conformance: /, "");
}

/**
 * The upstream-derived cases (tests/fixtures/conformance) and 30 seeded ones: every cell the engine
 * predicts, probed by agnhost between real pods with kube-router enforcing. kube-router's one known
 * deviation from the spec is listed and fails nothing; any other disagreement fails the step.
 */
export async function conformanceOnRealPackets(ctx: E2eContext): Promise<string> {
  const cases = await conformance(ctx, ["--cases", path.join(ctx.projectDir, "tests", "fixtures", "conformance")]);
  const generated = await conformance(ctx, ["--generate", "30", "--seed", "1"]);
  return `upstream-derived: ${cases}; --generate 30 --seed 1: ${generated}`;
}
