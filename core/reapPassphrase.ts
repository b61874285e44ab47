/**
 * Which passphrase decrypts which stack, for the reaper. The guide gives every stack its own
 * passphrase; the reaper reads them per stack. Pure over the environment it is given.
 */

/** Where a stack's passphrase comes from; `passphrase` is absent when Pulumi reads it itself (or nothing has it). */
export interface StackPassphrase {
  passphrase?: string;
  /** For messages: the variable it came from, never its value. */
  source: string;
}

/** `demo-alice` → `PULUMI_CONFIG_PASSPHRASE_DEMO_ALICE`. */
export const passphraseVariable = (stack: string): string => `PULUMI_CONFIG_PASSPHRASE_${stack.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;

/** REAP_PASSPHRASES as a map, or an error that names the variable but never echoes it. */
export function passphraseMap(text: string | undefined): Record<string, string> {
  if (text === undefined || text.trim() === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (value === null || typeof value !== "object" || Array.isArray(value) || Object.values(value).some((v) => typeof v !== "string")) {
    throw new Error('REAP_PASSPHRASES is not a JSON object of stack name to passphrase, such as {"dev": "...", "demo-alice": "..."}');
  }
  return value as Record<string, string>;
}

/**
 * A stack's passphrase: PULUMI_CONFIG_PASSPHRASE_<STACK> (one secret per stack), else its entry in
 * REAP_PASSPHRASES (one JSON secret for all, which the workflow passes), else the shared
 * PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE (a person with one stack). Throws on a
 * malformed REAP_PASSPHRASES.
 */
export function passphraseFor(stack: string, env: NodeJS.ProcessEnv): StackPassphrase {
  const variable = passphraseVariable(stack);
  const own = env[variable];
  if (own !== undefined && own !== "") return { passphrase: own, source: variable };
  const map = passphraseMap(env.REAP_PASSPHRASES);
  if (Object.hasOwn(map, stack)) return { passphrase: map[stack], source: `REAP_PASSPHRASES[${JSON.stringify(stack)}]` };
  if (env.PULUMI_CONFIG_PASSPHRASE !== undefined && env.PULUMI_CONFIG_PASSPHRASE !== "") return { passphrase: env.PULUMI_CONFIG_PASSPHRASE, source: "PULUMI_CONFIG_PASSPHRASE" };
  if (env.PULUMI_CONFIG_PASSPHRASE_FILE) return { source: "PULUMI_CONFIG_PASSPHRASE_FILE" };
  return { source: `none: set ${variable} or REAP_PASSPHRASES[${JSON.stringify(stack)}]` };
}
