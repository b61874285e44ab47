/**
 * What `npm run <script>` does to a command line, undone: npm keeps every flag before `--` for
 * itself (it sets npm_config_<flag>, expands abbreviations to its own settings, `--to` to
 * `--token-description` and `-k` to the deprecated `--key`, and passes a flag's value on as a
 * positional or not at all), and it runs the script from the package root rather than from where
 * the user typed it (INIT_CWD). npm leaves no trace of `-k FILE` in the script's environment, and
 * replaces its process title with the positionals alone, so what the user typed is read from
 * npm's own record of it: the `verbose argv` line of the debug log every npm run writes.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { EXIT_USAGE } from "./args";

export interface NpmFlag {
  /** The flag without dashes, e.g. "dry-run". */
  name: string;
  /** Its one-letter form, e.g. "k" for -k. */
  short?: string;
  /** Whether it takes a value (npm then passes the value on as a positional, or keeps it). */
  value: boolean;
}

/** The flags of a node:util parseArgs options table. */
export function npmFlagsOf(options: Record<string, { type: "string" | "boolean"; short?: string }>): NpmFlag[] {
  return Object.entries(options).map(([name, o]) => ({ name, value: o.type === "string", ...(o.short ? { short: o.short } : {}) }));
}

/** npm's names for `run`. */
const RUN_COMMANDS = new Set(["run", "run-script", "rum", "urn"]);

/** A command line as a user would type it again: words quoted only where the shell needs it. */
export function shellWords(words: readonly string[]): string {
  return words.map((w) => (/^[A-Za-z0-9_/.:=@%+,-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`)).join(" ");
}

/** Which of our flags a word is (`--to`, `--to=x`, `-k`), if any. */
function flagOf(word: string, flags: readonly NpmFlag[]): { flag: NpmFlag; inline: boolean } | undefined {
  for (const flag of flags) {
    if (word === `--${flag.name}` || (flag.short !== undefined && word === `-${flag.short}`)) return { flag, inline: false };
    if (word.startsWith(`--${flag.name}=`)) return { flag, inline: true };
  }
  return undefined;
}

function message(eaten: readonly string[], command: readonly string[]): string {
  return `npm took ${eaten.join(", ")} for itself: npm run passes a script only what comes after --. Run: ${shellWords(command)}`;
}

/**
 * npm writes its own short flags expanded in the log (`-s` as `--loglevel silent`): for the words
 * after the script name, these are taken back to the one-letter flag the user most likely typed.
 */
const NPM_SHORTHANDS: ReadonlyArray<{ short: string; words: readonly string[] }> = [
  { short: "s", words: ["--loglevel", "silent"] },
  { short: "p", words: ["--parseable"] },
  { short: "f", words: ["--force"] },
  { short: "y", words: ["--yes"] },
  { short: "c", words: ["--call"] },
];

/** The logged words with npm's expansions of our own short flags taken back (a value flag only when a value follows). */
function unexpand(words: readonly string[], flags: readonly NpmFlag[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    // `--yes` is our own long flag as well as npm's spelling of -y: then it stays as it is.
    const hit = flagOf(words[i], flags) ? undefined : NPM_SHORTHANDS.find((h) => h.words.every((w, j) => words[i + j] === w));
    const flag = hit && flags.find((f) => f.short === hit.short);
    const valueAfter = words[i + (hit?.words.length ?? 0)];
    if (hit && flag && (!flag.value || (valueAfter !== undefined && !valueAfter.startsWith("-")))) {
      out.push(`-${hit.short}`);
      i += hit.words.length - 1;
    } else out.push(words[i]);
  }
  return out;
}

/**
 * From npm's command line (`run --loglevel silent connectivity --to x/ a.yaml`): our flags written
 * before `--`, and the command that passes them, every other word kept in place. null when the
 * command line is not that of `npm run <script>`.
 */
function fromNpmCommandLine(script: string, flags: readonly NpmFlag[], npmArgv: readonly string[]): string | undefined | null {
  const run = npmArgv.findIndex((w) => RUN_COMMANDS.has(w));
  const at = run < 0 ? -1 : npmArgv.indexOf(script, run + 1);
  if (at < 0) return null;
  const words = npmArgv.slice(at + 1);
  const dashes = words.indexOf("--");
  const before = unexpand(dashes < 0 ? words : words.slice(0, dashes), flags);
  const after = dashes < 0 ? [] : words.slice(dashes + 1);
  const eaten: string[] = [];
  const npmOwn: string[] = [];
  const ours: string[] = [];
  for (let i = 0; i < before.length; i++) {
    const word = before[i];
    const ourFlag = flagOf(word, flags);
    if (ourFlag) {
      eaten.push(word.replace(/=.*$/s, ""));
      ours.push(word);
      if (ourFlag.flag.value && !ourFlag.inline && i + 1 < before.length) ours.push(before[++i]);
    } else if (word.startsWith("-") && word !== "-") npmOwn.push(word);
    else ours.push(word);
  }
  if (eaten.length === 0) return undefined;
  const npmBefore = npmArgv.slice(run + 1, at).join("\0").replace(/--loglevel\0silent/g, "--silent").split("\0").filter((w) => w !== "");
  return message(eaten, ["npm", npmArgv[run], ...npmBefore, script, ...npmOwn, "--", ...ours, ...after]);
}

/** Without npm's command line (no /proc, no ps): what npm left in the environment. */
function fromEnvironment(script: string, flags: readonly NpmFlag[], argv: readonly string[], env: NodeJS.ProcessEnv): string | undefined {
  const eaten = flags.filter((f) => {
    const set = env[`npm_config_${f.name.replace(/-/g, "_")}`];
    // `--no-probes` is npm's "probes = false": npm_config_probes is set, to "".
    const negated = f.name.startsWith("no-") && env[`npm_config_${f.name.slice(3).replace(/-/g, "_")}`] === "";
    return ((set !== undefined && set !== "") || negated) && !argv.includes(`--${f.name}`) && !argv.some((a) => a.startsWith(`--${f.name}=`));
  });
  if (eaten.length === 0) return undefined;
  // npm passed the values of value flags on as positionals, in the order they were typed; the
  // flags' own order is not known, so pair them with the first positionals in the order listed.
  const positionals = argv.filter((a) => !a.startsWith("-"));
  const rebuilt: string[] = [];
  for (const f of eaten) {
    rebuilt.push(`--${f.name}`);
    if (f.value && positionals.length > 0) rebuilt.push(positionals.shift()!);
  }
  const rest = [...argv.filter((a) => a.startsWith("-")), ...positionals];
  return message(eaten.map((f) => `--${f.name}`), ["npm", "run", script, "--", ...rebuilt, ...rest]);
}

/**
 * When npm took some of the command's own flags (`npm run reap --dry-run`), the message that says
 * so and shows the command with `--`, every argument kept; otherwise undefined. `npmArgv` is the
 * npm process's command line (npmRunCommandLine); without it, the environment is all there is.
 */
export function npmAteFlags(
  script: string,
  flags: readonly NpmFlag[],
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  npmArgv?: readonly string[],
): string | undefined {
  if (env.npm_lifecycle_event !== script) return undefined;
  const fromCommandLine = npmArgv ? fromNpmCommandLine(script, flags, npmArgv) : null;
  return fromCommandLine === null ? fromEnvironment(script, flags, argv, env) : fromCommandLine;
}

/** The quoted words of a `verbose argv` log line: `"run" "--loglevel" "silent" "x"`. */
function loggedWords(line: string): string[] | undefined {
  const words: string[] = [];
  for (const m of line.matchAll(/"((?:[^"\\]|\\.)*)"/g)) {
    try {
      words.push(JSON.parse(m[0]) as string);
    } catch {
      return undefined;
    }
  }
  return words;
}

/** Whether a logged `npm run` command line is the one that started a process that got `argv`. */
function startedUs(npmArgv: readonly string[], script: string, argv: readonly string[]): boolean {
  const run = npmArgv.findIndex((w) => RUN_COMMANDS.has(w));
  const at = run < 0 ? -1 : npmArgv.indexOf(script, run + 1);
  if (at < 0) return false;
  const words = npmArgv.slice(at + 1);
  const dashes = words.indexOf("--");
  // After `--` npm passes every word as it is; before it, only words that are no flag.
  if (dashes >= 0) return words.slice(dashes + 1).join("\0") === argv.slice(argv.length - (words.length - dashes - 1)).join("\0");
  return argv.every((a) => !a.startsWith("-"));
}

/**
 * The command line of the `npm run <script>` that started this process, from the newest debug log
 * npm wrote in the last two minutes for that script whose words match what this process got; undefined
 * when npm keeps no logs (logs-max=0) or none matches.
 */
export function npmRunCommandLine(script: string, argv: readonly string[] = process.argv.slice(2), env: NodeJS.ProcessEnv = process.env, now = Date.now()): string[] | undefined {
  if (env.npm_lifecycle_event !== script) return undefined;
  const dir = env.npm_config_logs_dir || (env.npm_config_cache ? path.join(env.npm_config_cache, "_logs") : undefined);
  if (!dir) return undefined;
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => n.endsWith(".log")).sort().reverse().slice(0, 20);
  } catch {
    return undefined;
  }
  for (const name of names) {
    const file = path.join(dir, name);
    let head: string;
    try {
      if (now - fs.statSync(file).mtimeMs > 120_000) continue;
      const fd = fs.openSync(file, "r");
      try {
        const buffer = Buffer.alloc(64 * 1024);
        head = buffer.toString("utf8", 0, fs.readSync(fd, buffer, 0, buffer.length, 0));
      } finally {
        fs.closeSync(fd);
      }
    } catch {
      continue;
    }
    const line = /^\d+ verbose argv (.*)$/m.exec(head)?.[1];
    const words = line === undefined ? undefined : loggedWords(line);
    if (words && startedUs(words, script, argv)) return words;
  }
  return undefined;
}

/** For a command's process entry point: print npmAteFlags' message and exit 2 when npm took some flags. */
export function exitIfNpmAteFlags(script: string, flags: readonly NpmFlag[]): void {
  const ate = npmAteFlags(script, flags, process.argv.slice(2), process.env, npmRunCommandLine(script));
  if (ate) {
    process.stderr.write(`${script}: ${ate}\n`);
    process.exit(EXIT_USAGE);
  }
}

/**
 * A path as the user meant it: relative to where they typed `npm run` (INIT_CWD), not the package
 * root. Kept relative (so messages name it as typed) when it lies inside the working directory.
 */
export function userPath(p: string, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  if (path.isAbsolute(p)) return p;
  const absolute = path.resolve(env.INIT_CWD ?? cwd, p);
  const relative = path.relative(cwd, absolute);
  return relative !== "" && !relative.startsWith("..") && !path.isAbsolute(relative) ? relative : absolute;
}
