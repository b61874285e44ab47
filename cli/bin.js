#!/usr/bin/env node
/**
 * `npx prices-api-netpol <command> [args]` from a checkout: the same commands as the npm scripts
 * (`npm run <command> -- [args]`), through the same fast TypeScript loader.
 */
"use strict";
const path = require("node:path");

const COMMANDS = {
  connectivity: "connectivity.ts",
  "connectivity-diff": "connectivity-diff.ts",
  manifests: "manifests.ts",
  verify: "verify.ts",
  conformance: "conformance.ts",
  reap: "reap.ts",
};

const [command, ...args] = process.argv.slice(2);
if (!command || command === "-h" || command === "--help" || !Object.hasOwn(COMMANDS, command)) {
  const known = Object.keys(COMMANDS).join(", ");
  process.stderr.write(`${command && !command.startsWith("-") ? `prices-api-netpol: unknown command ${JSON.stringify(command)}\n` : ""}Usage: prices-api-netpol <command> [args]   (commands: ${known}; <command> --help for each)\n`);
  process.exitCode = command && !command.startsWith("-") ? 2 : command ? 0 : 2;
} else {
  require("./register.js");
  // Run the command file as the main module, exactly as `node -r ./cli/register.js cli/<file>` does.
  process.argv = [process.argv[0], path.join(__dirname, COMMANDS[command]), ...args];
  require("node:module").runMain();
}
