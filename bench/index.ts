/** `npm run bench [netpol|program|engine|local]`: every performance figure we quote comes from here. */
import { cpus } from "node:os";
import { runCliBench } from "./cli";
import { runEngineBench } from "./engine";
import { runLocalBench } from "./local";
import { runNetpolBench } from "./netpol";
import { runProgramEvalBench } from "./programEval";

const SUITES: Record<string, () => Promise<string>> = {
  netpol: async () => `${await runNetpolBench()}\n\n${await runCliBench()}`,
  program: runProgramEvalBench,
  // Needs the e2e tools (built on first use) and starts a local cluster: minutes, so only on request.
  engine: runEngineBench,
  // Starts a local cluster of its own, then a whole e2e: minutes, so only on request.
  local: runLocalBench,
};
const DEFAULT_SUITES = ["netpol", "program"];

async function main(): Promise<number> {
  const asked = process.argv.slice(2);
  const unknown = asked.filter((s) => !(s in SUITES));
  if (unknown.length > 0) {
    console.error(`bench: unknown suite ${unknown.map((s) => JSON.stringify(s)).join(", ")}; the suites are ${Object.keys(SUITES).join(", ")} (default: ${DEFAULT_SUITES.join(", ")})`);
    return 2;
  }
  console.log(`node ${process.version}, ${cpus().length} cores, ${new Date().toISOString()}\n`);
  for (const suite of asked.length > 0 ? asked : DEFAULT_SUITES) {
    console.error(`bench: running ${suite} ...`);
    console.log(await SUITES[suite](), "\n");
  }
  return 0;
}

main().then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  },
);
