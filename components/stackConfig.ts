import * as pulumi from "@pulumi/pulumi";
import { CONFIG_KEYS, ConfigError, type RawConfig, type StackConfig, validateConfig } from "../core/config";
import { readKubeconfigContexts } from "../core/kubeContexts";
import { stackFileSettingsProblems } from "../core/stackConfigFile";

/** Collects this stack's raw config from Pulumi (strings; structured values as parsed objects). */
export function readPulumiConfig(): RawConfig {
  const project = new pulumi.Config();
  // No prototype: a `__proto__` key is then an ordinary (unknown, reported) key, not a parent object.
  const raw: RawConfig = Object.create(null) as RawConfig;
  for (const key of CONFIG_KEYS) {
    const value = key === "allowedCallers" ? readStructured(project, key) : project.get(key);
    if (value !== undefined) raw[key] = value;
  }
  // Keys of this project that the program does not read: validateConfig names them (a typo such as
  // nodecount would otherwise leave the stack on its defaults without a word).
  const prefix = `${pulumi.getProject()}:`;
  for (const [key, value] of Object.entries(pulumi.runtime.allConfig())) {
    if (key.startsWith(prefix) && !(CONFIG_KEYS as readonly string[]).includes(key.slice(prefix.length))) raw[key.slice(prefix.length)] = value;
  }
  // Keys of other namespaces, azure-native:location among them: validateConfig names those nobody
  // reads (a wrong project prefix such as prices-api:networkPolicy, or azure-native:locaton).
  for (const [key, value] of Object.entries(pulumi.runtime.allConfig())) {
    if (!key.startsWith(prefix)) raw[key] = value;
  }
  return raw;
}

function readStructured(config: pulumi.Config, key: string): unknown {
  const text = config.get(key);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text; // validateConfig reports it with the key and the value
  }
}

/**
 * Validated config, or a RunError: Pulumi prints a RunError's message without a stack trace,
 * which is what a user who mistyped a value should see.
 */
export function loadStackConfig(): StackConfig {
  try {
    // Pulumi ignores a top-level key of the stack file it does not know (`confg:`): the stack would run on its defaults.
    const settings = stackFileSettingsProblems(pulumi.getStack());
    if (settings.length > 0) throw new ConfigError(settings);
    return validateConfig(readPulumiConfig(), pulumi.getStack(), { kubeContexts: () => readKubeconfigContexts().contexts.map((c) => c.name) });
  } catch (err) {
    if (err instanceof ConfigError) throw new pulumi.RunError(err.message);
    throw err;
  }
}
