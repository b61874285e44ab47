#!/usr/bin/env node
/**
 * `npx prices-api-netpol <command> [args]` from any folder of a checkout: the same commands as the
 * npm scripts (`npm run <command> -- [args]`), through the same fast TypeScript loader, run from
 * the checkout's root as npm runs them, with relative paths read from where the user typed them.
 */
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const COMMANDS = {
  connectivity: "connectivity.ts",
  "connectivity-diff": "connectivity-diff.ts",
  manifests: "manifests.ts",
  verify: "verify.ts",
  check: "check.ts",
  conformance: "conformance.ts",
  reap: "reap.ts",
};
const PROJECT = "prices-api-netpol";
const USAGE = `Usage: prices-api-netpol <command> [args]   (commands: ${Object.keys(COMMANDS).join(", ")}; <command> --help for each)\n`;

/** The nearest folder at or above `from` that is a checkout of this project (its package.json and Pulumi.yaml). */
function projectFolder(from) {
  for (let dir = from; ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
      if (pkg.name === PROJECT && fs.existsSync(path.join(dir, "Pulumi.yaml"))) return dir;
    } catch {
      // no package.json here, or not JSON: look further up
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

const [command, ...args] = process.argv.slice(2);
if (command === "-h" || command === "--help") {
  process.stdout.write(USAGE);
} else if (!command || !Object.hasOwn(COMMANDS, command)) {
  process.stderr.write(`${command && !command.startsWith("-") ? `prices-api-netpol: unknown command ${JSON.stringify(command)}\n` : ""}${USAGE}`);
  process.exitCode = 2;
} else {
  const cwd = process.cwd();
  const project = projectFolder(cwd);
  if (project === undefined) {
    process.stderr.write(`prices-api-netpol: not in a project folder: no ${PROJECT} checkout (package.json and Pulumi.yaml) in ${cwd} or any folder above it; cd into the checkout\n`);
    process.exitCode = 2;
  } else {
    // The commands resolve relative paths against INIT_CWD, as under `npm run`, and read the stack from the root.
    process.env.INIT_CWD = cwd;
    process.chdir(project);
    require(path.join(project, "cli", "register.js"));
    // Run the checkout's command file as the main module, exactly as `node -r ./cli/register.js cli/<file>` does.
    process.argv = [process.argv[0], path.join(project, "cli", COMMANDS[command]), ...args];
    require("node:module").runMain();
  }
}
