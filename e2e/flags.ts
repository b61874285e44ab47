/** The flags of `npm run e2e`, for its own parser and for the check that npm did not take them. */
import type { NpmFlag } from "../cli/npmRun";

export const E2E_FLAGS: readonly NpmFlag[] = [{ name: "keep", value: false }];
export const E2E_USAGE = "Usage: npm run e2e [-- --keep]\n  --keep  keep the work folder (logs, reports, commands.log) after a passing run too";
