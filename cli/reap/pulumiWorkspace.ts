/** The real ReapWorkspace: the Automation API over the project's Pulumi CLI and state backend. */
import * as fs from "node:fs";
import * as path from "node:path";
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { passphraseFor } from "../../core/reapPassphrase";
import type { StateResource } from "../../core/reapState";
import { pulumiErrorText } from "../pulumiError";
import type { ReapWorkspace } from "./workspace";

/**
 * The Automation API workspace of the project in `projectDir` (the directory holding Pulumi.yaml).
 * Every stack is read and destroyed with its own passphrase (core/reapPassphrase.ts): one
 * workspace per stack, whose environment carries only that stack's PULUMI_CONFIG_PASSPHRASE.
 */
export async function pulumiWorkspace(projectDir: string, env: NodeJS.ProcessEnv = process.env): Promise<ReapWorkspace> {
  const ws = await LocalWorkspace.create({ workDir: projectDir });
  const perStack = new Map<string, Promise<LocalWorkspace>>();
  const workspaceOf = (stack: string): Promise<LocalWorkspace> => {
    let found = perStack.get(stack);
    if (!found) {
      const { passphrase } = passphraseFor(stack, env);
      // Without a value here Pulumi reads PULUMI_CONFIG_PASSPHRASE_FILE itself, or fails for want of a passphrase.
      found = LocalWorkspace.create({ workDir: projectDir, ...(passphrase !== undefined ? { envVars: { PULUMI_CONFIG_PASSPHRASE: passphrase } } : {}) });
      perStack.set(stack, found);
    }
    return found;
  };
  const values = <T>(map: Record<string, { value: T }>): Record<string, T> => Object.fromEntries(Object.entries(map).map(([k, v]) => [k, v.value]));
  return {
    listStacks: async () => {
      try {
        return (await ws.listStacks()).map((s) => ({ name: s.name, ...(s.lastUpdate ? { lastUpdate: s.lastUpdate } : {}) }));
      } catch (err) {
        throw new Error(`pulumi stack ls failed: ${pulumiErrorText(err)}`, { cause: err });
      }
    },
    stackSettings: async (stack) => {
      const own = await workspaceOf(stack);
      // Three independent read-only pulumi runs: side by side.
      const [exported, config, outputs] = await Promise.all([own.exportStack(stack), own.getAllConfig(stack), own.stackOutputs(stack)]);
      const state = exported as { deployment?: { resources?: StateResource[] } };
      return {
        config: values(config),
        outputs: values(outputs),
        hasStackFile: fs.existsSync(path.join(projectDir, `Pulumi.${stack}.yaml`)),
        resources: (state.deployment?.resources ?? []).map((r) => ({ urn: r.urn, type: r.type, ...(r.id ? { id: r.id } : {}), ...(r.protect ? { protect: true } : {}) })),
      };
    },
    destroy: async (stack, onOutput) => {
      await (await Stack.select(stack, await workspaceOf(stack))).destroy({ onOutput });
    },
    removeStack: async (stack) => (await workspaceOf(stack)).removeStack(stack),
  };
}
