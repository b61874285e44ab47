/**
 * The reaper's view of Pulumi: list stacks, read their settings, destroy, remove. Tests use a fake;
 * the real one is pulumiWorkspace.ts, backed by the Automation API (which shells out to the CLI).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { StateResource } from "../../core/reapState";
import { PULUMI_INSTALL_URL } from "../pulumiInstall";

export interface ListedStack {
  name: string;
  lastUpdate?: string;
}

/** A stack's config (fully qualified keys such as `prices-api-netpol:expiresAt`) and outputs, as plain values. */
export interface StackSettings {
  config: Record<string, string>;
  outputs: Record<string, unknown>;
  /**
   * Whether the checkout has the stack's Pulumi.<stack>.yaml. Without it the config is empty and the
   * last outputs are all there is; with it, config and outputs must agree. Unknown counts as present.
   */
  hasStackFile?: boolean;
  /** The resources of `pulumi stack export`: protection, what a destroy deletes, and Azure ids outside the stack's group. */
  resources?: StateResource[];
}

export interface ReapWorkspace {
  /** The stacks of this project in the backend. */
  listStacks(): Promise<ListedStack[]>;
  stackSettings(stack: string): Promise<StackSettings>;
  /** Destroys every resource of the stack; rejects when Pulumi reports an error. */
  destroy(stack: string, onOutput: (text: string) => void): Promise<void>;
  /** Removes the (now empty) stack and its history from the backend. */
  removeStack(stack: string): Promise<void>;
}

export const PULUMI_MISSING =
  `Pulumi CLI not found on PATH: install it from ${PULUMI_INSTALL_URL} ` +
  "(or in GitHub Actions with pulumi/actions), log in to the state backend (PULUMI_BACKEND_URL), then run npm run reap again.";

/** The first `pulumi` executable on `searchPath`, or undefined. */
export function findPulumiCli(searchPath: string | undefined, platform: NodeJS.Platform = process.platform): string | undefined {
  const names = platform === "win32" ? ["pulumi.exe", "pulumi.cmd"] : ["pulumi"];
  for (const dir of (searchPath ?? "").split(path.delimiter)) {
    if (dir === "") continue;
    for (const name of names) {
      const candidate = path.join(dir, name);
      try {
        fs.accessSync(candidate, fs.constants.X_OK);
        if (fs.statSync(candidate).isFile()) return candidate;
      } catch {
        // not here; keep looking
      }
    }
  }
  return undefined;
}
