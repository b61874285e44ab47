/**
 * The `connectivity` command end to end, as a user runs it (a fresh process, start-up included),
 * against the same run's engine matrix time: full lean json at 1,000 and 5,000 pods, a focus query
 * at 5,000, and start-up on an empty input. Output goes through a pipe to `wc -c`, never to memory.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildModel, computeMatrix, type KubeObject } from "../core/netpol";
import { BENCH_SHAPES, generateCluster } from "./netpol";
import { median } from "./programEval";

const ROOT = path.resolve(__dirname, "..");

/** `npm run connectivity`'s command line (node and its flags), so the bench runs what users run. */
const CONNECTIVITY_SCRIPT = (JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts.connectivity.split(" ");

interface CliRun {
  seconds: number;
  bytes: number;
  maxRssMb: number;
  code: number;
}

/**
 * Runs the CLI under /usr/bin/time for its peak RSS, its stdout piped into `wc -c`. A reader in
 * this process would be slowed by this process's own heap (the generated clusters) and hold the
 * CLI back: at 5,000 pods that made the listing look 1.5x slower than behind a plain pipe.
 */
function runCli(args: string[]): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const command = [process.execPath, ...CONNECTIVITY_SCRIPT.slice(1), ...args];
    // pipefail: the exit code is the CLI's, not wc's.
    const child = spawn("bash", ["-c", 'set -o pipefail; /usr/bin/time -f %M "$@" | wc -c', "bash", ...command], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const rssKb = Number(stderr.trim().split("\n").pop());
      resolve({ seconds, bytes: Number(stdout.trim()), maxRssMb: rssKb / 1024, code: code ?? 1 });
    });
  });
}

function writeList(dir: string, name: string, objects: KubeObject[]): string {
  const file = path.join(dir, name);
  const out = fs.openSync(file, "w");
  fs.writeSync(out, '{"apiVersion":"v1","kind":"List","items":[');
  objects.forEach((o, i) => fs.writeSync(out, `${i === 0 ? "" : ","}${JSON.stringify(o)}`));
  fs.writeSync(out, "]}");
  fs.closeSync(out);
  return file;
}

/** The engine's own full matrix time (build model + iterate every connection), in-process. */
function matrixSeconds(objects: KubeObject[]): number {
  const t0 = process.hrtime.bigint();
  let n = 0;
  for (const c of computeMatrix(buildModel(objects).model).connections()) if (c.allowed) n++;
  void n;
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** Each figure is the median of this many runs: single runs on a shared 2-core machine vary by 10-20%. */
const RUNS = 3;

/** The run with the median time (its bytes and RSS come with it). */
async function medianCli(args: string[]): Promise<CliRun> {
  const runs: CliRun[] = [];
  for (let i = 0; i < RUNS; i++) runs.push(await runCli(args));
  return runs.sort((a, b) => a.seconds - b.seconds)[Math.floor(RUNS / 2)];
}

export async function runCliBench(log: (line: string) => void = (l) => console.error(l)): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "prices-api-cli-bench-"));
  try {
    const lines = [`connectivity CLI end to end (fresh process each, start-up included; stdout piped to wc -c; median of ${RUNS} runs, the matrix too):`];
    const empty = writeList(dir, "empty.json", []);
    log("bench cli: start-up on an empty input ...");
    const startup = await medianCli([empty]);
    lines.push(`  start-up on an empty List: ${startup.seconds.toFixed(2)} s (exit ${startup.code}: no objects), max RSS ${startup.maxRssMb.toFixed(0)} MB`);
    for (const shape of BENCH_SHAPES) {
      const objects = generateCluster(shape);
      const file = writeList(dir, `cluster-${shape.pods}.json`, objects);
      log(`bench cli: ${shape.pods} pods: engine matrix in-process ...`);
      const engine = median(Array.from({ length: RUNS }, () => matrixSeconds(objects)));
      log(`bench cli: ${shape.pods} pods: full lean json through the CLI ...`);
      const full = await medianCli(["--format", "json", file]);
      lines.push(`  ${shape.pods} pods / ${shape.policies} policies: engine matrix ${engine.toFixed(2)} s; CLI full lean json ${full.seconds.toFixed(2)} s (${(full.seconds / engine).toFixed(2)}x the matrix), ${mb(full.bytes)}, max RSS ${full.maxRssMb.toFixed(0)} MB`);
      const target = objects.find((o) => o.kind === "Deployment" || o.kind === "Pod")!;
      const to = `${target.metadata.namespace}/${target.metadata.name}`;
      log(`bench cli: ${shape.pods} pods: --to ${to} ...`);
      const query = await medianCli(["--format", "json", "--to", to, file]);
      lines.push(`    --to ${to}: ${query.seconds.toFixed(2)} s (${((query.seconds / full.seconds) * 100).toFixed(1)}% of the full listing), ${mb(query.bytes)}, max RSS ${query.maxRssMb.toFixed(0)} MB`);
    }
    return lines.join("\n");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
