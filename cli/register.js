/**
 * A TypeScript loader for the command-line tools that costs tens of milliseconds: SWC strips the
 * types file by file (no type-checking: `npm test` does that), without loading the TypeScript
 * compiler that ts-node needs for its configuration. Used by the npm scripts and the `bin` entry:
 * `node -r ./cli/register.js cli/connectivity.ts`.
 *
 * What SWC produces is kept in node_modules/.cache, stamped with the source's content and the SWC
 * version, so a start with unchanged sources neither loads SWC nor transforms anything. An edited
 * file is transformed again; a cache that cannot be written (read-only checkout) only costs speed.
 */
"use strict";
const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");

// PRICES_API_NETPOL_SWC_CACHE moves it, e.g. when node_modules is read-only.
const CACHE_DIR = process.env.PRICES_API_NETPOL_SWC_CACHE || path.join(__dirname, "..", "node_modules", ".cache", "prices-api-netpol", "swc");
const SWC_VERSION = require("@swc/core/package.json").version;

const options = (filename) => ({
  filename,
  sourceMaps: "inline",
  jsc: { parser: { syntax: "typescript" }, target: "es2022" },
  module: { type: "commonjs" },
});

let swc;
function transform(source, filename) {
  swc ??= require("@swc/core");
  return swc.transformSync(source, options(filename)).code;
}

const sha256 = (text) => crypto.createHash("sha256").update(text).digest("hex");

function cached(source, filename) {
  // One entry per source file, so edits replace it rather than pile up; the first line says
  // which content (and SWC version and options) it was made from.
  const file = path.join(CACHE_DIR, `${sha256(filename)}.js`);
  const stamp = `// ${sha256(`${SWC_VERSION}\0${JSON.stringify(options(filename))}\0${source}`)}\n`;
  try {
    const entry = fs.readFileSync(file, "utf8");
    if (entry.startsWith(stamp)) return entry.slice(stamp.length);
  } catch {
    // Not cached yet.
  }
  const code = transform(source, filename);
  try {
    fs.mkdirSync(CACHE_DIR, { recursive: true });
    // Written aside and renamed: a concurrent start never reads half a file.
    const partial = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(partial, stamp + code);
    fs.renameSync(partial, file);
  } catch {
    // Not writable: transform on every start, as without a cache.
  }
  return code;
}

require.extensions[".ts"] = function compileTypeScript(module, filename) {
  module._compile(cached(fs.readFileSync(filename, "utf8"), filename), filename);
};
