/**
 * `npm run bench -- local`: the figures of the local cluster, one run each on this machine.
 * - The tool build: the time each cached tool took to build (recorded in its .complete when it was
 *   built), or, with PRICES_API_NETPOL_BENCH_COLD=1, a cold build into an empty cache, timed here.
 * - A warm `npm run local -- up` (tools cached, no cluster yet) to its first verdict and to its end,
 *   in a folder of its own, so a cluster the user runs is never touched.
 * - One `npm run verify` round against that cluster, and `npm run local -- down`.
 * - A warm `npm run e2e`.
 */
import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..");
const CACHE = process.env.E2E_TOOLS_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "prices-api-netpol", "e2e-tools");

interface Timed {
  code: number;
  seconds: number;
  /** Seconds from the start to the first output line that matches `mark`, when one did. */
  markSeconds?: number;
  output: string;
}

function timed(command: string, args: string[], opts: { env?: NodeJS.ProcessEnv; mark?: RegExp; log: (line: string) => void }): Promise<Timed> {
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
    const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...opts.env }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    let markSeconds: number | undefined;
    const take = (chunk: Buffer) => {
      const text = chunk.toString("utf8");
      output += text;
      if (markSeconds === undefined && opts.mark?.test(output)) markSeconds = seconds();
    };
    child.stdout.on("data", take);
    child.stderr.on("data", take);
    const heartbeat = setInterval(() => opts.log(`  ... ${command} ${args.join(" ")}: ${seconds().toFixed(0)} s`), 30_000);
    child.on("close", (code) => {
      clearInterval(heartbeat);
      resolve({ code: code ?? 1, seconds: seconds(), ...(markSeconds !== undefined ? { markSeconds } : {}), output });
    });
  });
}

const must = (what: string, t: Timed): Timed => {
  if (t.code !== 0) throw new Error(`${what} exited ${t.code}:\n${t.output.trimEnd().split("\n").slice(-20).join("\n")}`);
  return t;
};
const s = (x: number) => `${x.toFixed(1)} s`;
const minutes = (x: number) => `${Math.floor(x / 60)} min ${Math.round(x % 60)} s`;

/** Per tool of today's versions.env: the seconds its build took, from the .complete the build wrote. */
function recordedBuilds(cache: string): Array<[string, number]> {
  const current = execFileSync("bash", ["e2e/tools/build.sh", "--print-bin-dirs"], { cwd: ROOT, env: { ...process.env, E2E_TOOLS_CACHE: cache }, encoding: "utf8" })
    .trim()
    .split("\n")
    .map((binDir) => path.basename(path.dirname(binDir)));
  return current
    .filter((d) => fs.existsSync(path.join(cache, d, ".complete")))
    .map((d): [string, number] => [d, Number(/built \S+ in (\d+)s/.exec(fs.readFileSync(path.join(cache, d, ".complete"), "utf8"))?.[1] ?? NaN)])
    .sort((a, b) => b[1] - a[1]);
}

export async function runLocalBench(log: (line: string) => void = (l) => console.error(l)): Promise<string> {
  const out: string[] = [];
  if (process.env.PRICES_API_NETPOL_BENCH_COLD === "1") {
    const cold = fs.mkdtempSync(path.join(os.tmpdir(), "prices-api-cold-tools-"));
    log(`local bench: a cold tool build into ${cold} (tens of minutes on 2 cores)`);
    try {
      const t = must("cold build", await timed("bash", ["e2e/tools/build.sh"], { env: { E2E_TOOLS_CACHE: cold }, log }));
      out.push(`Cold tool build (empty cache, bash e2e/tools/build.sh): ${minutes(t.seconds)}; per tool:`);
      for (const [tool, secs] of recordedBuilds(cold)) out.push(`  ${tool.padEnd(40)} ${minutes(secs)}`);
    } finally {
      fs.rmSync(cold, { recursive: true, force: true });
    }
  } else {
    const builds = recordedBuilds(CACHE);
    out.push(`Tool build, per tool as recorded when the cache in ${CACHE} was built (total ${minutes(builds.reduce((a, [, x]) => a + x, 0))}; PRICES_API_NETPOL_BENCH_COLD=1 times a cold build here):`);
    for (const [tool, secs] of builds) out.push(`  ${tool.padEnd(40)} ${minutes(secs)}`);
  }

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "prices-api-bench-local-"));
  const env = { PRICES_API_NETPOL_LOCAL_DIR: dir };
  try {
    log("local bench: npm run local -- up (warm tools, no cluster yet)");
    const up = must("npm run local -- up", await timed("npm", ["run", "--silent", "local", "--", "up"], { env, mark: /^local: (allow|deny) check: /m, log }));
    out.push(`Warm npm run local -- up: first verdict (the tutorial's allow check) after ${s(up.markSeconds ?? NaN)}, done (checks and verify passed) after ${s(up.seconds)}`);
    const kubeconfig = /kubeconfig: (\S+)/.exec(up.output)?.[1];
    if (!kubeconfig) throw new Error("npm run local -- up printed no kubeconfig line");
    const verify = must("npm run verify", await timed("npm", ["run", "--silent", "verify", "--", "--stack", "local", "--kubeconfig", kubeconfig], { log }));
    out.push(`One npm run verify round (7 probes, on that cluster): ${s(verify.seconds)}`);
    const again = must("second up", await timed("npm", ["run", "--silent", "local", "--", "up"], { env, log }));
    out.push(`A second npm run local -- up (reuses the running cluster): ${s(again.seconds)}`);
    const down = must("npm run local -- down", await timed("npm", ["run", "--silent", "local", "--", "down"], { env, log }));
    out.push(`npm run local -- down: ${s(down.seconds)}`);
  } finally {
    await timed("npm", ["run", "--silent", "local", "--", "down"], { env, log });
    fs.rmSync(dir, { recursive: true, force: true });
  }

  log("local bench: npm run e2e (warm tools)");
  const e2e = must("npm run e2e", await timed("npm", ["run", "--silent", "e2e"], { log }));
  const steps = /e2e: all (\d+) steps passed/.exec(e2e.output)?.[1];
  out.push(`Warm npm run e2e (${steps} steps, real cluster): ${minutes(e2e.seconds)}`);
  return ["Local cluster (one run each):", ...out.map((l) => `  ${l}`)].join("\n");
}
