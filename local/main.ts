/**
 * `npm run local -- up|status|down|kubectl ARGS...`: the tutorial for real on this machine, with no
 * Azure. `up` builds or reuses the tools, starts (or reuses) the local cluster, deploys the `local`
 * stack with the real Pulumi engine, runs the tutorial's own allow and deny checks and
 * `npm run verify`, and prints what was deployed, who got in, who was kept out, and how to reach
 * the cluster. The cluster keeps running until `down`.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { readStackConfig } from "../core/stackConfigFile";
import { clusterRecordOf, LocalCluster } from "./cluster";
import type { StackConfig } from "../core/config";
import { LOCAL_STACK, mustSucceed, prepareStack, stackWorkspace, upStack } from "./localStack";
import { CLUSTER_CONTEXT } from "./nodeConfig";
import { run } from "./pulumi";
import { runTutorialChecks, type TutorialCheck } from "./tutorialChecks";
import { buildTools, locateTools, type ClusterTools } from "./tools";

const REPO = path.resolve(__dirname, "..");
const USAGE = `Usage: npm run local -- <command>

  up              build or reuse the tools, start (or reuse) the local cluster, deploy the local
                  stack, run the tutorial's allow/deny checks and npm run verify, print a summary
  status          what runs, and the kubeconfig to reach it (line "kubeconfig: PATH")
  down            tear the cluster down; the host is left as it was
  kubectl ARGS... the built kubectl, against this cluster

The cluster lives in ${localRoot()} (PRICES_API_NETPOL_LOCAL_DIR moves it).
It needs root on Linux. Elsewhere: kind + Calico, docs/local.md.`;

/** Where the local cluster and its stack live; everything goes with `down`. */
export function localRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PRICES_API_NETPOL_LOCAL_DIR) return path.resolve(env.PRICES_API_NETPOL_LOCAL_DIR);
  const stateHome = env.XDG_STATE_HOME || path.join(os.homedir(), ".local", "state");
  return path.join(stateHome, "prices-api-netpol", "local");
}

const clusterDir = (root: string) => path.join(root, "cluster");
const stackDir = (root: string) => path.join(root, "stack");

const log = (line: string) => void process.stderr.write(`${line}\n`);
/** A sub-command's output as it comes, indented under the step that runs it (chunks may split lines). */
let atLineStart = true;
const indented = (text: string) => {
  process.stderr.write(text.replace(/(^|\n)(?=.)/g, (m, nl: string, offset: number) => (offset === 0 && !atLineStart ? m : `${nl}    `)));
  atLineStart = text.endsWith("\n");
};
const since = (t: number) => `${((Date.now() - t) / 1000).toFixed(1)} s`;

/** One line, and where to go instead, when this machine cannot run the cluster. */
function unsupported(): string | undefined {
  if (process.platform !== "linux") return `npm run local needs Linux (it runs a real kubelet in network namespaces); on ${process.platform} use kind + Calico: docs/local.md`;
  if (process.getuid?.() !== 0) return "npm run local needs root (network namespaces, mounts, cgroups); run it as root, or use kind + Calico: docs/local.md";
  return undefined;
}

async function tools(): Promise<ClusterTools> {
  const t = Date.now();
  await buildTools((line) => log(line));
  log(`local: tools ready (${since(t)})`);
  return locateTools();
}

async function up(root: string): Promise<number> {
  const started = Date.now();
  const t = await tools();
  let cluster = LocalCluster.find(t, clusterDir(root));
  if (cluster) {
    const health = await cluster.healthy();
    if (health.ok) log(`local: reusing the running cluster (${cluster.server})`);
    else {
      log(`local: the cluster in ${clusterDir(root)} is broken (${health.problem}); starting it anew`);
      await cluster.stop();
      cluster = undefined;
    }
  }
  if (!cluster) {
    // Ctrl-C or SIGTERM before this `up` is done takes down what it started (from the record on
    // disk, so a start interrupted half-way goes too); a cluster it reused stays up.
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      log(`\nlocal: ${signal}: tearing down the cluster this run started`);
      const partial = LocalCluster.find(t, clusterDir(root));
      void (partial ? partial.stop() : Promise.resolve({ leftovers: [] as string[] })).then((r) => {
        if (r.leftovers.length > 0) log(`local: teardown left: ${r.leftovers.join("; ")}`);
        else fs.rmSync(root, { recursive: true, force: true });
        process.exit(130);
      });
    };
    for (const s of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(s, onSignal);
    cluster = await LocalCluster.start(t, { root: clusterDir(root), name: "local", log });
  }
  log(`local: deploying stack ${LOCAL_STACK} with the real Pulumi engine (${t.versions.PULUMI_VERSION})`);
  const ws = stackWorkspace(t, REPO, stackDir(root), cluster.kubeconfig);
  await prepareStack(ws);
  const upResult = mustSucceed(await upStack(ws, indented), "pulumi up (Automation API)");
  const changes = /Resources:\n([\s\S]*?)\n\n/.exec(upResult.output)?.[1].trim().replace(/\s+/g, " ") ?? "";
  await cluster.waitAvailable("pricing-ns", "prices-api-deployment", 120_000);
  log(`local: stack ${LOCAL_STACK} up (${changes}); prices-api Available (${since(started)})`);
  const config = readStackConfig(LOCAL_STACK, REPO);

  log("local: the tutorial's allow and deny checks (npm run check -- allow|deny: kubectl run curl-po-allow / curl-po-deny)");
  const checks = await runTutorialChecks(cluster, config, (c) => log(`local: ${c.message}`));
  log(`local: npm run verify -- --stack ${LOCAL_STACK}`);
  const verify = await run("npm", ["run", "--silent", "verify", "--", "--stack", LOCAL_STACK, "--kubeconfig", cluster.kubeconfig, "--context", CLUSTER_CONTEXT], {
    cwd: REPO,
    env: process.env,
    logFile: ws.logFile,
    onOutput: indented,
  });
  const kubernetesVersion = (await cluster.version()).gitVersion;
  process.stdout.write(summary({ cluster, kubernetesVersion, config, checks, verifyCode: verify.code, verifyOutput: verify.output, seconds: (Date.now() - started) / 1000 }));
  return checks.every((c) => c.asExpected) && verify.code === 0 ? 0 : 1;
}

interface VerifyRow {
  who: string;
  labels: string;
  observed: string;
  detail: string;
}

/** verify's table rows (probe, namespace, labels, expected, observed, verdict, detail). */
function verifyRows(output: string): VerifyRow[] {
  return [...output.matchAll(/^(\S+)\s+(\S+)\s+(\S+)\s+(?:allowed|denied)(?: \(intent: \w+\))?\s+(allowed|denied|error)\s+[✓✗]\s+(.*)$/gm)].map((m) => ({
    who: `${m[2]}/${m[1]}`,
    labels: m[3],
    observed: m[4],
    detail: m[5],
  }));
}

function summary(s: { cluster: LocalCluster; kubernetesVersion: string; config: StackConfig; checks: TutorialCheck[]; verifyCode: number; verifyOutput: string; seconds: number }): string {
  const rows = verifyRows(s.verifyOutput);
  const width = Math.max(0, ...rows.map((r) => r.who.length));
  const line = (r: VerifyRow, detail: boolean) => `    ${r.who.padEnd(width)}  ${r.labels}${detail ? `  ${r.detail}` : ""}`;
  const keptOut = rows.filter((r) => r.observed === "denied");
  const how = /^Blocked connections: (.*)\.$/m.exec(s.verifyOutput)?.[1];
  return [
    "",
    `Local cluster up in ${s.seconds.toFixed(0)} s: Kubernetes ${s.kubernetesVersion} on one node (containerd, kube-proxy, CoreDNS), kube-router enforcing NetworkPolicies.`,
    `Deployed (stack ${LOCAL_STACK}): namespaces pricing-ns and ${s.config.allowedCallers.map((c) => c.namespace).join(", ")}, Deployment prices-api-deployment, Service prices-api-service,`,
    "  NetworkPolicies default-deny-ingress and prices-api-network-policy.",
    `  prices-api runs a STAND-IN image, ${s.config.pricesApiImage} (GET /price/{id} on 8080), not rahulrai/prices-api: no registry is reachable here.`,
    "",
    "The tutorial's checks (npm run check -- allow|deny):",
    ...s.checks.map((c) => `  ${c.asExpected ? "✓" : "✗"} ${c.message}${c.answer ? `: ${c.answer}` : ""}`),
    "",
    `npm run verify: ${s.verifyCode === 0 ? `passed, ${rows.length} probes` : `FAILED (exit ${s.verifyCode}); its report is above`}`,
    "  Got in:",
    ...rows.filter((r) => r.observed === "allowed").map((r) => line(r, true)),
    `  Kept out${how ? `, ${how}` : ""}:`,
    ...keptOut.map((r) => line(r, how === undefined)),
    ...(rows.some((r) => r.observed === "error") ? ["  Not checked:", ...rows.filter((r) => r.observed === "error").map((r) => line(r, true))] : []),
    "",
    "Reach the cluster:",
    `  kubeconfig: ${s.cluster.kubeconfig}`,
    "  npm run local -- kubectl get pods -A",
    `  npm run verify -- --stack ${LOCAL_STACK} --kubeconfig ${s.cluster.kubeconfig}`,
    "  npm run local -- down      (removes the cluster and the local stack's state)",
    "",
  ].join("\n");
}

/** The recorded cluster, without building anything: undefined when none was started. */
function recorded(root: string): LocalCluster | undefined {
  return clusterRecordOf(clusterDir(root)) ? LocalCluster.find(locateTools(), clusterDir(root)) : undefined;
}

async function status(root: string): Promise<number> {
  const cluster = recorded(root);
  if (!cluster) {
    process.stdout.write(`no local cluster in ${clusterDir(root)} (start one with: npm run local -- up)\n`);
    return 1;
  }
  const health = await cluster.healthy();
  const lines = [`local cluster in ${clusterDir(root)}: ${health.ok ? "running" : `NOT healthy (${health.problem})`}`];
  for (const p of cluster.health()) lines.push(`  ${p.name.padEnd(24)} ${p.running ? "running" : "STOPPED"}  pid ${p.pid}`);
  lines.push(`server: ${cluster.server}`, `kubeconfig: ${cluster.kubeconfig}`, `context: ${CLUSTER_CONTEXT}`);
  process.stdout.write(`${lines.join("\n")}\n`);
  return health.ok ? 0 : 1;
}

async function down(root: string): Promise<number> {
  const cluster = recorded(root);
  if (!cluster) {
    process.stdout.write(`no local cluster in ${clusterDir(root)}; nothing to tear down\n`);
    return 0;
  }
  const started = Date.now();
  const result = await cluster.stop();
  if (result.leftovers.length > 0) {
    process.stderr.write(`local: teardown left:\n${result.leftovers.map((l) => `  ${l}`).join("\n")}\n`);
    return 1;
  }
  // The stack described only that cluster: its state goes with it, and the folder `up` made for it.
  fs.rmSync(root, { recursive: true, force: true });
  const parent = path.dirname(root);
  if (path.basename(parent) === "prices-api-netpol" && fs.readdirSync(parent).length === 0) fs.rmdirSync(parent);
  process.stdout.write(`local cluster torn down in ${since(started)}; no process, mount, cgroup or folder of it is left (${root} removed)\n`);
  return 0;
}

function kubectl(root: string, args: string[]): number {
  const cluster = recorded(root);
  if (!cluster) {
    process.stderr.write(`no local cluster in ${clusterDir(root)} (start one with: npm run local -- up)\n`);
    return 1;
  }
  const res = spawnSync(locateTools().kubectl, [`--kubeconfig=${cluster.kubeconfig}`, ...args], { stdio: "inherit" });
  return res.status ?? 1;
}

export async function localMain(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    process.stdout.write(`${USAGE}\n`);
    return command === undefined ? 2 : 0;
  }
  const known = ["up", "status", "down", "kubectl"];
  if (!known.includes(command)) {
    process.stderr.write(`local: unknown command ${JSON.stringify(command)}; the commands are ${known.join(", ")}\n`);
    return 2;
  }
  if (command !== "kubectl" && rest.length > 0) {
    process.stderr.write(`local: ${command} takes no arguments (got ${rest.join(" ")})\n`);
    return 2;
  }
  const blocked = unsupported();
  if (blocked) {
    process.stderr.write(`${blocked}\n`);
    return 2;
  }
  const root = localRoot();
  switch (command) {
    case "up":
      return up(root);
    case "status":
      return status(root);
    case "down":
      return down(root);
    default:
      return kubectl(root, rest);
  }
}

if (require.main === module) {
  localMain(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (err: unknown) => {
      process.stderr.write(`local: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
