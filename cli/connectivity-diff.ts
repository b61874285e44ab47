/**
 * `node -r ./cli/register.js cli/connectivity-diff.ts BASE.json HEAD.json
 *    [--mermaid HEAD.mmd] [--table HEAD.txt] [--base-unavailable]`
 * prints the body of the PR comment that says who can newly reach whom. Exit 2 on bad input.
 */
import { ConnectivityReportError, diffConnectivity, diffExposure, isMermaidFlowchart, parseConnectivityReport, parseExposureReport, renderComment } from "../core/connectivityDiff";
import { FileReadError, readRegularFile } from "../core/readBounded";
import { userPath } from "./npmRun";

export const USAGE = `Usage: connectivity-diff BASE.json HEAD.json [--mermaid HEAD.mmd] [--table HEAD.txt] [--exposure BASE-EXPOSURE.json HEAD-EXPOSURE.json] [--base-unavailable]
  BASE.json, HEAD.json  outputs of \`npm run --silent connectivity -- --format json\` on the base and head commits
  --mermaid FILE        head's \`--format mermaid\` output, shown as a picture
  --table FILE          head's \`--format table\` output, shown folded
  --exposure B H        outputs of \`connectivity -- --exposure --format json\` on base and head: the comment
                        then lists the ways in that the PR adds or removes
  --base-unavailable    say that the base commit could not run connectivity (BASE.json is then an empty report)`;

const EXIT_BAD_INPUT = 2;

export interface DiffIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** A real process's environment: relative paths are read from INIT_CWD (where the user typed the command). */
  env?: NodeJS.ProcessEnv;
}

class InputError extends Error {}

interface DiffArgs {
  base: string;
  head: string;
  mermaid?: string;
  table?: string;
  exposure?: { base: string; head: string };
  baseUnavailable: boolean;
}

function parseArgs(argv: string[]): DiffArgs {
  const files: string[] = [];
  const args: Partial<DiffArgs> = { baseUnavailable: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--mermaid" || arg === "--table") {
      const value = argv[++i];
      if (value === undefined || value.startsWith("--")) throw new InputError(`${arg} needs a file`);
      args[arg === "--mermaid" ? "mermaid" : "table"] = value;
    } else if (arg === "--exposure") {
      const base = argv[++i];
      const head = argv[++i];
      if (base === undefined || head === undefined || base.startsWith("--") || head.startsWith("--")) throw new InputError("--exposure needs two files: the base's and the head's exposure report");
      args.exposure = { base, head };
    } else if (arg === "--base-unavailable") {
      args.baseUnavailable = true;
    } else if (arg.startsWith("--")) {
      throw new InputError(`unknown option ${arg}`);
    } else {
      files.push(arg);
    }
  }
  if (files.length !== 2) throw new InputError(`expected two report files (base and head), got ${files.length}`);
  return { ...args, base: files[0], head: files[1] } as DiffArgs;
}

/** A report, picture or table is a few kilobytes; a PR could hand over anything, /dev/zero included. */
const MAX_INPUT_BYTES = 64 * 1024 * 1024;

function readFile(file: string, env?: NodeJS.ProcessEnv): string {
  try {
    return readRegularFile(env ? userPath(file, env) : file, MAX_INPUT_BYTES);
  } catch (err) {
    if (err instanceof FileReadError) throw new InputError(`cannot read ${file}: ${err.reason}`);
    throw err;
  }
}

/** The head's picture, refused unless it is connectivity's own output (the comment fences it itself). */
function readMermaid(file: string, env?: NodeJS.ProcessEnv): string {
  const text = readFile(file, env);
  if (!isMermaidFlowchart(text)) throw new InputError(`${file} is not the output of \`connectivity --format mermaid\` (it must start with flowchart)`);
  return text;
}

/** Runs the command; returns the exit code. */
export function main(argv: string[], io: DiffIO): number {
  if (argv.includes("--help") || argv.includes("-h")) {
    io.stdout(`${USAGE}\n`);
    return 0;
  }
  try {
    const args = parseArgs(argv);
    const read = (file: string) => readFile(file, io.env);
    const base = parseConnectivityReport(read(args.base), args.base);
    const head = parseConnectivityReport(read(args.head), args.head);
    const notes = args.baseUnavailable
      ? ["The base commit has no working `connectivity` command, so every allowed connection of this PR is listed as opened."]
      : [];
    const body = renderComment({
      diff: diffConnectivity(base, head),
      notes,
      ...(args.mermaid !== undefined ? { mermaid: readMermaid(args.mermaid, io.env) } : {}),
      ...(args.table !== undefined ? { table: read(args.table) } : {}),
      ...(args.exposure
        ? { exposure: diffExposure(parseExposureReport(read(args.exposure.base), args.exposure.base), parseExposureReport(read(args.exposure.head), args.exposure.head)) }
        : {}),
    });
    io.stdout(body.endsWith("\n") ? body : `${body}\n`);
    return 0;
  } catch (err) {
    if (err instanceof InputError || err instanceof ConnectivityReportError) {
      io.stderr(`connectivity-diff: ${err.message}\n${err instanceof InputError ? `${USAGE}\n` : ""}`);
      return EXIT_BAD_INPUT;
    }
    throw err;
  }
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2), {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    env: process.env,
  });
}
