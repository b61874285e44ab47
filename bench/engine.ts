/**
 * `npm run bench -- engine`: the real Pulumi engine against a throw-away local cluster (local/).
 * Wall time of `preview` and `up` of our stack against a minimal single-file program that creates
 * the same six objects without config validation, components or intent gate
 * (bench/fixtures/minimal-stack), and the policy pack's share of a preview, type-checked or not.
 * Every sample is a fresh process, as each `pulumi preview` is.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { initStack, STACK, type E2eContext } from "../e2e/scenario";
import { LocalCluster } from "../local/cluster";
import { stackWorkspace } from "../local/localStack";
import { run, runProgram } from "../local/pulumi";
import { buildTools, locateTools } from "../local/tools";
import { median } from "./programEval";

const ROOT = path.resolve(__dirname, "..");
const SAMPLES = 3;


async function timed(what: string, body: () => Promise<{ code: number; output: string }>): Promise<number> {
  const started = process.hrtime.bigint();
  const res = await body();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (res.code !== 0) throw new Error(`${what} failed:\n${res.output.trimEnd().split("\n").slice(-15).join("\n")}`);
  return ms;
}

function row(label: string, samples: number[]): string {
  return `  ${label.padEnd(58)} median ${(median(samples) / 1000).toFixed(2).padStart(6)} s   samples ${samples.map((t) => (t / 1000).toFixed(2)).join(", ")} s`;
}

export async function runEngineBench(log: (line: string) => void = (l) => console.error(l)): Promise<string> {
  await buildTools(log);
  const tools = locateTools();
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "prices-api-bench-"));
  const cluster = await LocalCluster.start(tools, { root: path.join(workDir, "cluster"), name: `bench-${process.pid}`, log });
  try {
    const ctx: E2eContext = { ...stackWorkspace(tools, ROOT, workDir, cluster.kubeconfig), cluster, workDir };
    const { projectDir, env, logFile } = ctx;
    await initStack(ctx);

    const baselineDir = path.join(workDir, "baseline");
    fs.cpSync(path.join(ROOT, "bench", "fixtures", "minimal-stack"), baselineDir, { recursive: true });
    fs.copyFileSync(path.join(ROOT, "tsconfig.json"), path.join(baselineDir, "tsconfig.json"));
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(baselineDir, "node_modules"), "dir");
    const pulumi = (args: string[], cwd: string) => run("pulumi", args, { cwd, env, logFile });
    await pulumi(["stack", "init", "bench", "--secrets-provider", "passphrase"], baselineDir);

    // The pack as shipped, and the same pack with noCheck, so the type-check's share shows.
    // Beside policy/, so its imports of ../core resolve as the shipped pack's do.
    const noCheckPack = path.join(projectDir, "policy-nocheck");
    fs.cpSync(path.join(projectDir, "policy"), noCheckPack, { recursive: true });
    const packTsconfig = JSON.parse(fs.readFileSync(path.join(noCheckPack, "tsconfig.json"), "utf8")) as { compilerOptions: Record<string, unknown> };
    const shippedNoCheck = packTsconfig.compilerOptions.noCheck === true;
    packTsconfig.compilerOptions.noCheck = !shippedNoCheck;
    fs.writeFileSync(path.join(noCheckPack, "tsconfig.json"), JSON.stringify(packTsconfig, null, 2));

    const ours = { projectDir, stack: STACK };
    const baseline = { projectDir: baselineDir, stack: "bench" };
    const program = (spec: typeof ours, operation: "preview" | "up", policyPacks?: string[]) => () =>
      runProgram({ ...spec, operation, ...(policyPacks ? { policyPacks } : {}) }, tools, env, logFile);

    const samples: Record<string, number[]> = {};
    const add = (label: string, ms: number) => {
      (samples[label] ??= []).push(ms);
      log(`  ${label}: ${(ms / 1000).toFixed(2)} s`);
    };
    log(`engine bench: ${SAMPLES} samples of each, in ${workDir}`);
    for (let i = 0; i < SAMPLES; i++) {
      add("preview: our stack", await timed("preview (ours)", program(ours, "preview")));
      add("preview: minimal program", await timed("preview (baseline)", program(baseline, "preview")));
      add(`preview + policy pack (${shippedNoCheck ? "noCheck" : "type-checked"}, as shipped)`, await timed("preview with the pack", program(ours, "preview", [path.join(projectDir, "policy")])));
      add(`preview + policy pack (${shippedNoCheck ? "type-checked" : "noCheck"})`, await timed("preview with the other pack", program(ours, "preview", [noCheckPack])));
    }
    for (let i = 0; i < SAMPLES; i++) {
      add("up: our stack", await timed("up (ours)", program(ours, "up")));
      add("destroy: our stack", await timed("destroy (ours)", () => pulumi(["destroy", "--yes", "-s", STACK], projectDir)));
      add("up: minimal program", await timed("up (baseline)", program(baseline, "up")));
      add("destroy: minimal program", await timed("destroy (baseline)", () => pulumi(["destroy", "--yes", "-s", "bench"], baselineDir)));
    }
    const m = (label: string) => median(samples[label]);
    const ratio = (a: string, b: string) => (m(a) / m(b)).toFixed(2);
    const packLabels = Object.keys(samples).filter((l) => l.startsWith("preview + policy pack"));
    return [
      `Real engine (pulumi ${tools.versions.PULUMI_VERSION}, kubernetes provider ${tools.versions.PULUMI_KUBERNETES_VERSION}) against the local cluster (kubernetes ${tools.versions.KUBERNETES_VERSION}, one real node); each sample a fresh process, ${SAMPLES} samples:`,
      ...Object.entries(samples).map(([label, xs]) => row(label, xs)),
      `  preview, ours / minimal: ${ratio("preview: our stack", "preview: minimal program")}x (goal: at most 1.3x)`,
      `  up, ours / minimal: ${ratio("up: our stack", "up: minimal program")}x`,
      ...packLabels.map((l) => `  policy pack's share of a preview, ${l.slice("preview + policy pack ".length)}: ${((m(l) - m("preview: our stack")) / 1000).toFixed(2)} s`),
    ].join("\n");
  } finally {
    await cluster.stop();
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}
