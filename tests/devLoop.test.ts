/** The commands the docs give for working on one part: they must run that part, not everything. */
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..");

describe("developer commands", () => {
  it("`npx mocha <glob>` (docs/guardrails.md) runs only the matching test files", () => {
    const out = execFileSync(process.execPath, [path.join(ROOT, "node_modules", "mocha", "bin", "mocha.js"), "tests/reap/decide.test.ts", "--reporter", "json"], {
      cwd: ROOT,
      encoding: "utf8",
    });
    const report = JSON.parse(out.slice(out.indexOf("{"))) as { tests: Array<{ file: string }> };
    assert.ok(report.tests.length > 5);
    assert.deepEqual([...new Set(report.tests.map((t) => path.relative(ROOT, t.file)))], [path.join("tests", "reap", "decide.test.ts")]);
  });
});
