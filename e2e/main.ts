/**
 * `npm run e2e [-- --keep]`: the real Pulumi engine and real packets. Builds or reuses the tools
 * (e2e/tools/build.sh), starts a throw-away local cluster (local/: containerd, kubelet, kube-proxy,
 * CoreDNS, kube-router enforcing NetworkPolicies, all in network and mount namespaces of their
 * own), runs the scenario on a fresh `local` stack with a file backend in a temp folder, always
 * tears the cluster down (on failure, Ctrl-C and SIGTERM too), checks that the host is as it was,
 * and ends with a table of steps. Exits 0 only if every step passed.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LocalCluster } from "../local/cluster";
import { stackWorkspace } from "../local/localStack";
import { interruptRunningCommands } from "../local/pulumi";
import { hostSnapshot, snapshotDifferences } from "../local/teardown";
import { buildTools, locateTools, type ClusterTools } from "../local/tools";
import * as scenario from "./scenario";
import { E2E_FLAGS, E2E_USAGE } from "./flags";
import { StepTable } from "./steps";
import { exitIfNpmAteFlags } from "../cli/npmRun";

const REPO = path.resolve(__dirname, "..");

async function main(argv: string[]): Promise<number> {
  const log = (line: string) => void process.stderr.write(`${line}\n`);
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(`${E2E_USAGE}\n`);
    return 0;
  }
  const unknown = argv.filter((a) => a !== "--keep");
  if (unknown.length > 0) {
    log(`e2e: unknown argument ${unknown.join(" ")}\n${E2E_USAGE}`);
    return 2;
  }
  const keep = argv.includes("--keep");
  if (process.platform !== "linux" || process.getuid?.() !== 0) {
    log("e2e: needs root on Linux (it starts a real local cluster in namespaces of its own); elsewhere see docs/local.md (kind + Calico)");
    return 2;
  }
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "prices-api-e2e-"));
  const clusterRoot = path.join(workDir, "cluster");
  const steps = new StepTable(log);
  const before = hostSnapshot();
  let cluster: LocalCluster | undefined;
  let tools: ClusterTools | undefined;

  const teardown = async (): Promise<string[]> => {
    interruptRunningCommands();
    // Found from its record, so a cluster whose start was interrupted half-way goes too.
    const c = cluster ?? (tools ? LocalCluster.find(tools, clusterRoot) : undefined);
    cluster = undefined;
    return c ? (await c.stop({ keepLogs: true })).leftovers : [];
  };
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    log(`\n${signal}: tearing the cluster down`);
    void teardown().then(
      (left) => {
        if (left.length > 0) log(`e2e: teardown left: ${left.join("; ")}`);
        log(steps.format());
        log(`e2e interrupted by ${signal}; logs in ${workDir}`);
        process.exit(130);
      },
      () => process.exit(130),
    );
  };
  for (const s of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(s, onSignal);

  log(`e2e: work folder ${workDir} (commands.log, cluster/logs/ of every component, connectivity reports); ${keep ? "kept (--keep)" : "removed after a passing run (--keep keeps it)"}`);
  try {
    await steps.run("build or reuse the tools", async () => {
      await buildTools(log);
      tools = locateTools();
      const v = tools.versions;
      return `pulumi ${v.PULUMI_VERSION}, provider ${v.PULUMI_KUBERNETES_VERSION}, kubernetes ${v.KUBERNETES_VERSION}, etcd ${v.ETCD_VERSION}, coredns ${v.COREDNS_VERSION}, kube-router ${v.KUBE_ROUTER_VERSION}`;
    });
    await steps.run("start the local cluster (real pods, kube-router enforcing)", async () => {
      cluster = await LocalCluster.start(tools!, { root: clusterRoot, name: `e2e-${process.pid}`, log });
      return `${cluster.server}, ${(await cluster.version()).gitVersion}, one Ready node, CoreDNS Available`;
    });
    let ctx: scenario.E2eContext | undefined;
    await steps.run("fresh stack local (file backend in the temp folder)", async () => {
      ctx = { ...stackWorkspace(tools!, REPO, workDir, cluster!.kubeconfig), cluster: cluster!, workDir };
      return scenario.initStack(ctx);
    });
    const step = (name: string, body: (c: scenario.E2eContext) => Promise<string>) => steps.run(name, () => body(ctx!));
    await step("preview with the policy pack", scenario.previewWithPolicyPack);
    await step("preview of a rule-breaking program fails", scenario.previewFixtureBreaksRule);
    await step("up: objects read back, prices-api Available on a real node", scenario.up);
    await step("no drift after up (preview, refresh)", scenario.noDriftAfterUp);
    await step("preview on a read-only backend (the PR identity's Storage Blob Data Reader)", scenario.previewOnReadOnlyBackend);
    await step("the tutorial's two curl checks: 200 and blocked", scenario.tutorialChecks);
    await step("verify passes: the consumer in, every impostor blocked", scenario.verifyEnforced);
    await step("verify says \"no policy engine\" with the enforcer stopped", scenario.verifyWithoutEnforcer);
    await step("verify leaves a namespace it did not create alone", scenario.verifyKeepsForeignNamespace);
    await step("a second caller through config, exactly", scenario.changeExactly);
    await step("drift detection (live vs stack)", scenario.driftDetection);
    await step("state survives an unreachable cluster", scenario.stateSurvivesUnreachableCluster);
    // Late: kubectl apply takes the policy's fields from Pulumi's field manager; only destroy follows.
    await step("the tutorial's OR policy lets impostors in, and verify names them", scenario.verifyTutorialOrPolicy);
    await step("the reaper through the Automation API", scenario.reaper);
    await step("destroy and stack rm", scenario.destroy);
    await step("the engine against real packets (npm run conformance)", scenario.conformanceOnRealPackets);
    await step("Ctrl-C and SIGTERM during npm run local -- up leave nothing behind", scenario.interruptedUpLeavesNothing);
  } finally {
    await steps.run(
      "tear the cluster down; the host is as it was",
      async () => {
        const had = cluster !== undefined || (tools !== undefined && LocalCluster.find(tools, clusterRoot) !== undefined);
        const left = await teardown();
        const changed = snapshotDifferences(before, hostSnapshot());
        if (left.length > 0 || changed.length > 0) throw new Error(`the host is not as it was: ${[...left, ...changed].join("; ")}`);
        return had ? "every process, mount, cgroup and namespace of the cluster gone; processes, network namespaces, default paths, cgroups and mounts as before" : "no cluster was running";
      },
      { always: true },
    );
  }
  log("");
  log(steps.format());
  log("");
  if (steps.ok && !keep) {
    fs.rmSync(workDir, { recursive: true, force: true });
    log(`e2e: all ${steps.records.length} steps passed; work folder ${workDir} removed (--keep keeps it)`);
  } else if (steps.ok) {
    log(`e2e: all ${steps.records.length} steps passed; work folder kept: ${workDir}`);
  } else {
    log(`e2e: FAILED; commands and their output: ${path.join(workDir, "commands.log")}; component logs: ${path.join(clusterRoot, "logs")}`);
  }
  return steps.ok ? 0 : 1;
}

if (require.main === module) {
  exitIfNpmAteFlags("e2e", E2E_FLAGS);
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (err: unknown) => {
      process.stderr.write(`e2e: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
