/**
 * `npm run e2e`: the real Pulumi engine against a real Kubernetes API server on 127.0.0.1.
 * Builds or reuses the tools (e2e/tools/build.sh), starts a throw-away cluster with fake Ready
 * nodes (kwok), runs the scenario on a fresh `local` stack with a file backend in a temp folder,
 * always tears the cluster down (on failure and on Ctrl-C too), and ends with a table of steps.
 * Exits 0 only if every step passed.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LocalCluster } from "./cluster";
import { interruptRunningCommands, pulumiEnvironment } from "./pulumi";
import * as scenario from "./scenario";
import { StepTable } from "./steps";
import { buildTools, locateTools, type E2eTools } from "./tools";

const REPO = path.resolve(__dirname, "..");

async function main(): Promise<number> {
  const log = (line: string) => void process.stderr.write(`${line}\n`);
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "prices-api-e2e-"));
  const logFile = path.join(workDir, "commands.log");
  const steps = new StepTable(log);
  let cluster: LocalCluster | undefined;
  let tools: E2eTools | undefined;

  const teardown = async () => {
    interruptRunningCommands();
    const c = cluster;
    cluster = undefined;
    if (c) await c.stop();
  };
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    log(`\n${signal}: tearing the cluster down`);
    void teardown().finally(() => {
      log(steps.format());
      log(`e2e interrupted by ${signal}; logs in ${workDir}`);
      process.exit(130);
    });
  };
  for (const s of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(s, onSignal);

  log(`e2e: work folder ${workDir} (commands.log, logs/ of every cluster component, connectivity reports)`);
  log("e2e: NetworkPolicies are stored and served here but never enforced (no container runs on kwok's fake nodes); enforcement is proven by the kind + Calico workflow (.github/workflows/e2e.yml).");
  try {
    await steps.run("build or reuse the tools", async () => {
      buildTools();
      tools = locateTools();
      const v = tools.versions;
      return `pulumi ${v.PULUMI_VERSION}, pulumi-resource-kubernetes ${v.PULUMI_KUBERNETES_VERSION}, kubernetes ${v.KUBERNETES_VERSION}, etcd ${v.ETCD_VERSION}, kwok ${v.KWOK_VERSION}`;
    });
    await steps.run("start the cluster (etcd, kube-apiserver, controller-manager, scheduler, kwok)", async () => {
      cluster = await LocalCluster.start(tools!, path.join(workDir, "cluster"), log);
      return `${cluster.server}, ${(await cluster.version()).gitVersion}, one fake Ready node`;
    });
    let ctx: scenario.E2eContext | undefined;
    await steps.run("fresh stack local (file backend in the temp folder)", async () => {
      const projectDir = path.join(workDir, "project");
      scenario.copyProject(REPO, projectDir);
      ctx = { tools: tools!, cluster: cluster!, projectDir, env: pulumiEnvironment(tools!, workDir, cluster!.kubeconfig), workDir, logFile };
      return scenario.initStack(ctx);
    });
    const step = (name: string, body: (c: scenario.E2eContext) => Promise<string>) => steps.run(name, () => body(ctx!));
    await step("1a preview with the policy pack", scenario.previewWithPolicyPack);
    await step("1b preview of a rule-breaking program fails", scenario.previewFixtureBreaksRule);
    await step("2 up, objects read back from the API server", scenario.up);
    await step("3 no drift after up (preview, refresh)", scenario.noDriftAfterUp);
    await step("3b preview on a read-only backend (the PR identity's Storage Blob Data Reader)", scenario.previewOnReadOnlyBackend);
    await step("4 a second caller through config, exactly", scenario.changeExactly);
    await step("5 drift detection (live vs stack)", scenario.driftDetection);
    await step("6 state survives an unreachable cluster", scenario.stateSurvivesUnreachableCluster);
    await step("7 verify on a cluster that runs no containers", scenario.verifyWithoutContainers);
    await step("8 the reaper through the Automation API", scenario.reaper);
    await step("9 destroy and stack rm", scenario.destroy);
  } finally {
    await steps.run(
      "tear the cluster down",
      async () => {
        const had = cluster !== undefined;
        await teardown();
        return had ? "every component stopped" : "no cluster was running";
      },
      { always: true },
    );
  }
  log("");
  log(steps.format());
  log("");
  log(steps.ok ? `e2e: all ${steps.records.length} steps passed` : `e2e: FAILED; commands and their output: ${logFile}; component logs: ${path.join(workDir, "cluster", "logs")}`);
  if (steps.ok) fs.rmSync(workDir, { recursive: true, force: true });
  return steps.ok ? 0 : 1;
}

if (require.main === module) {
  main().then(
    (code) => (process.exitCode = code),
    (err: unknown) => {
      process.stderr.write(`e2e: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
