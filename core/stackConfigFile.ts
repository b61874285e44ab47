/**
 * Reads a stack's config the way the Pulumi CLI would (Pulumi.yaml defaults, then
 * Pulumi.<stack>.yaml), without the CLI, so tools like `connectivity` work offline.
 * Secure values are not decrypted; none of the keys read here is secret.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { yaml } from "./lazyYaml";
import { ConfigError, type RawConfig, type StackConfig, validateConfig } from "./config";
import { closestWord, stackFileProblems } from "./configKeys";

interface ProjectFile {
  name: string;
  config?: Record<string, { default?: unknown; value?: unknown } | unknown>;
}

function readYaml(file: string): unknown {
  try {
    return yaml().parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    throw new ConfigError([`${file} cannot be read: ${(err as Error).message}`]);
  }
}

/** The raw config of a stack, with keys of this project unprefixed and other namespaces kept (`azure-native:location`). */
export function readRawStackConfig(stack: string, projectDir = process.cwd()): RawConfig {
  const project = readYaml(path.join(projectDir, "Pulumi.yaml")) as ProjectFile;
  // No prototype: a `__proto__` key is then an ordinary (unknown, reported) key, not a parent object.
  const raw: RawConfig = Object.create(null) as RawConfig;
  const put = (key: string, value: unknown) => {
    const unprefixed = key.startsWith(`${project.name}:`) ? key.slice(project.name.length + 1) : key;
    raw[unprefixed] = value;
  };
  for (const [key, decl] of Object.entries(project.config ?? {})) {
    if (decl !== null && typeof decl === "object" && !Array.isArray(decl)) {
      const d = decl as { default?: unknown; value?: unknown };
      if (d.value !== undefined) put(key, d.value);
      else if (d.default !== undefined) put(key, d.default);
    } else {
      put(key, decl);
    }
  }
  const stackFile = path.join(projectDir, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(stackFile)) {
    const stacks = stackNames(projectDir);
    const guess = closestWord(stack, stacks, 2);
    const listed = stacks.length > 0 ? `${guess ? `; did you mean ${guess}?` : ";"} the stacks are ${stacks.join(", ")}` : "; there is no Pulumi.<stack>.yaml";
    throw new ConfigError([`stack ${JSON.stringify(stack)} has no ${path.basename(stackFile)} in ${projectDir}${listed}`]);
  }
  const stackDoc = readYaml(stackFile);
  const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);
  // An empty or malformed stack file would otherwise read as "no config": the stack on its defaults.
  if (!isMap(stackDoc)) {
    throw new ConfigError([`${stackFile} is ${stackDoc === null || stackDoc === undefined ? "empty" : `a YAML ${Array.isArray(stackDoc) ? "list" : typeof stackDoc}`}; expected a mapping with a config: key, such as\n      config:\n        ${project.name}:nodeCount: 1`]);
  }
  const settings = stackFileProblems(stackDoc, stackFile);
  if (settings.length > 0) throw new ConfigError(settings);
  if (stackDoc.config !== undefined && !isMap(stackDoc.config)) throw new ConfigError([`${stackFile}: config is not a mapping of keys to values`]);
  for (const [key, value] of Object.entries(stackDoc.config ?? {})) put(key, value);
  return raw;
}

/** The stacks that have a Pulumi.<stack>.yaml in the project folder, sorted. */
export function stackNames(projectDir = process.cwd()): string[] {
  try {
    return fs
      .readdirSync(projectDir)
      .map((f) => /^Pulumi\.(.+)\.ya?ml$/.exec(f)?.[1])
      .filter((s): s is string => s !== undefined)
      .sort();
  } catch {
    return [];
  }
}

/** Problems with the top-level settings of a stack's file, if it has one (the Pulumi program checks them too). */
export function stackFileSettingsProblems(stack: string, projectDir = process.cwd()): string[] {
  const stackFile = path.join(projectDir, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(stackFile)) return [];
  const doc = readYaml(stackFile);
  return doc !== null && typeof doc === "object" && !Array.isArray(doc) ? stackFileProblems(doc as Record<string, unknown>, path.basename(stackFile)) : [];
}

export function readStackConfig(stack: string, projectDir = process.cwd()): StackConfig {
  return validateConfig(readRawStackConfig(stack, projectDir), stack);
}
