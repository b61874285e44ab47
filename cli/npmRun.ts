/**
 * What `npm run <script>` does to a command line, undone: npm keeps every flag before `--` for
 * itself (it sets npm_config_<flag> and passes a flag's value on as a positional), and it runs the
 * script from the package root rather than from where the user typed it (INIT_CWD).
 */
import * as path from "node:path";
import { EXIT_USAGE } from "./args";

export interface NpmFlag {
  /** The flag without dashes, e.g. "dry-run". */
  name: string;
  /** Whether it takes a value (npm then passes the value on as a positional). */
  value: boolean;
}

/** The flags of a node:util parseArgs options table. */
export function npmFlagsOf(options: Record<string, { type: "string" | "boolean" }>): NpmFlag[] {
  return Object.entries(options).map(([name, o]) => ({ name, value: o.type === "string" }));
}

/**
 * When npm took some of the command's own flags (`npm run reap --dry-run`), the message that says
 * so and shows the command with `--`; otherwise undefined.
 */
export function npmAteFlags(script: string, flags: readonly NpmFlag[], argv: readonly string[], env: NodeJS.ProcessEnv): string | undefined {
  if (env.npm_lifecycle_event !== script) return undefined;
  const eaten = flags.filter((f) => {
    const set = env[`npm_config_${f.name.replace(/-/g, "_")}`];
    return set !== undefined && set !== "" && !argv.includes(`--${f.name}`) && !argv.some((a) => a.startsWith(`--${f.name}=`));
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
  const names = eaten.map((f) => `--${f.name}`).join(", ");
  return `npm took ${names} for itself: npm run passes a script only what comes after --. Run: npm run ${script} -- ${[...rebuilt, ...rest].join(" ")}`;
}

/** For a command's process entry point: print npmAteFlags' message and exit 2 when npm took some flags. */
export function exitIfNpmAteFlags(script: string, flags: readonly NpmFlag[]): void {
  const ate = npmAteFlags(script, flags, process.argv.slice(2), process.env);
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
