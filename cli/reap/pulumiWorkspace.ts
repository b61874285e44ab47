/** The real ReapWorkspace: the Automation API over the project's Pulumi CLI and state backend. */
import * as fs from "node:fs";
import * as path from "node:path";
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { pulumiErrorText } from "../pulumiError";
import type { ReapWorkspace } from "./workspace";

/** The Automation API workspace of the project in `projectDir` (the directory holding Pulumi.yaml). */
export async function pulumiWorkspace(projectDir: string): Promise<ReapWorkspace> {
  const ws = await LocalWorkspace.create({ workDir: projectDir });
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
      // Three independent read-only pulumi runs: side by side.
      const [exported, config, outputs] = await Promise.all([ws.exportStack(stack), ws.getAllConfig(stack), ws.stackOutputs(stack)]);
      const state = exported as { deployment?: { resources?: Array<{ urn: string; protect?: boolean }> } };
      return {
        config: values(config),
        outputs: values(outputs),
        hasStackFile: fs.existsSync(path.join(projectDir, `Pulumi.${stack}.yaml`)),
        protectedResources: (state.deployment?.resources ?? []).filter((r) => r.protect === true).map((r) => r.urn.slice(r.urn.lastIndexOf("::") + 2)),
      };
    },
    destroy: async (stack, onOutput) => {
      await (await Stack.select(stack, ws)).destroy({ onOutput });
    },
    removeStack: (stack) => ws.removeStack(stack),
  };
}
