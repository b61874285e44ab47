/**
 * How long the Pulumi Node.js host takes to evaluate index.ts, with and without type-checking.
 * Each sample is a fresh Node process (as each `pulumi preview` is): register ts-node the way the
 * host does, then run the program under mocks until every resource has registered.
 */
import { execFileSync } from "node:child_process";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..");
const SAMPLES = 3;

function sample(transpileOnly: boolean): number {
  const script = `
    const t0 = process.hrtime.bigint();
    require("ts-node").register({ transpileOnly: ${transpileOnly}, swc: ${transpileOnly}, project: "tsconfig.json" });
    require("./tests/stack/harness").runProgram().then(() => {
      process.stdout.write(String(Number(process.hrtime.bigint() - t0) / 1e6));
    });`;
  const out = execFileSync(process.execPath, ["-e", script], {
    cwd: ROOT,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "" },
  });
  return Number(out.trim().split("\n").pop());
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function runProgramEvalBench(): Promise<string> {
  const rows: string[] = [];
  const results: Record<string, number> = {};
  for (const [label, transpileOnly] of [["type-checked (ts-node default)", false], ["transpile-only with SWC (noCheck + ts-node swc)", true]] as const) {
    const times = Array.from({ length: SAMPLES }, (_, i) => {
      const ms = sample(transpileOnly);
      console.error(`bench program: ${label}, sample ${i + 1}/${SAMPLES}: ${ms.toFixed(0)} ms`);
      return ms;
    });
    results[label] = median(times);
    rows.push(`  ${label.padEnd(48)} median ${median(times).toFixed(0).padStart(6)} ms   samples ${times.map((t) => t.toFixed(0)).join(", ")} ms`);
  }
  const [checked, transpiled] = Object.values(results);
  return [
    `Program evaluation (index.ts under mocks, fresh process each, ${SAMPLES} samples):`,
    ...rows,
    `  saved per preview: ${(checked - transpiled).toFixed(0)} ms (${(checked / transpiled).toFixed(1)}x faster)`,
  ].join("\n");
}
