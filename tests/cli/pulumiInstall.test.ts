/** One Pulumi install link, wherever a message or a doc points to it. */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { PULUMI_INSTALL_URL } from "../../cli/pulumiInstall";
import { PULUMI_MISSING } from "../../cli/reap/workspace";

const ROOT = path.resolve(__dirname, "..", "..");

function files(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : /\.(ts|md)$/.test(e.name) ? [path.join(dir, e.name)] : []));
}

describe("the Pulumi install link", () => {
  it("is the same in reap, verify, README and the docs", () => {
    const links = new Set<string>();
    for (const file of ["README.md", ...files("docs"), ...files("cli"), ...files("core")]) {
      for (const m of fs.readFileSync(path.join(ROOT, file), "utf8").matchAll(/https:\/\/www\.pulumi\.com\/docs\/[^\s)`"']*install[^\s)`"']*/g)) links.add(`${m[0]} (${file})`);
    }
    assert.deepEqual([...links].map((l) => l.split(" ")[0]).filter((l, i, all) => all.indexOf(l) === i), [PULUMI_INSTALL_URL], [...links].join("\n"));
    assert.ok(PULUMI_MISSING.includes(PULUMI_INSTALL_URL));
  });
});
