/** `npm run bench [netpol|program]`: every performance figure we quote comes from here. */
import { cpus } from "node:os";
import { runNetpolBench } from "./netpol";
import { runProgramEvalBench } from "./programEval";

async function main(): Promise<void> {
  const only = process.argv[2];
  console.log(`node ${process.version}, ${cpus().length} cores, ${new Date().toISOString()}\n`);
  if (!only || only === "netpol") console.log(await runNetpolBench(), "\n");
  if (!only || only === "program") console.log(await runProgramEvalBench());
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
