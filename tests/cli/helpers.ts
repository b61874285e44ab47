import * as path from "node:path";
import { buildModel, computeMatrix, loadManifestPaths, type ConnectivityMatrix } from "../../core/netpol";
import type { CommandIO } from "../../cli/args";

export const PROJECT_DIR = path.resolve(__dirname, "..", "..");
export const FIXTURES = path.join(PROJECT_DIR, "tests", "fixtures", "manifests");
/** The tutorial's objects as published (two-peer OR policy) plus curl-po-allow, curl-po-deny and an unrelated pod. */
export const TUTORIAL_OR_DIR = path.join(FIXTURES, "tutorial-or");

export function tutorialMatrix(): ConnectivityMatrix {
  return computeMatrix(buildModel(loadManifestPaths([TUTORIAL_OR_DIR])).model);
}

/** Runs a command's main in-process and collects what it writes. */
export function run(main: (argv: string[], io: CommandIO) => number, argv: string[]): { code: number; stdout: string; stderr: string } {
  let stdout = "";
  let stderr = "";
  const code = main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), projectDir: PROJECT_DIR });
  return { code, stdout, stderr };
}
