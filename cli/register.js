/**
 * A TypeScript loader for the command-line tools that costs tens of milliseconds: SWC strips the
 * types file by file (no type-checking: `npm test` does that), without loading the TypeScript
 * compiler that ts-node needs for its configuration. Used by the npm scripts and the `bin` entry:
 * `node -r ./cli/register.js cli/connectivity.ts`.
 */
"use strict";
const fs = require("node:fs");
const { transformSync } = require("@swc/core");

const options = (filename) => ({
  filename,
  sourceMaps: "inline",
  jsc: { parser: { syntax: "typescript" }, target: "es2022" },
  module: { type: "commonjs" },
});

require.extensions[".ts"] = function compileTypeScript(module, filename) {
  const { code } = transformSync(fs.readFileSync(filename, "utf8"), options(filename));
  module._compile(code, filename);
};
