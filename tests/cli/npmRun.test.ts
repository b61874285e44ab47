import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { npmAteFlags, userPath } from "../../cli/npmRun";
import { PROJECT_DIR } from "./helpers";

const npmEnv = (script: string, config: Record<string, string>): NodeJS.ProcessEnv => ({
  npm_lifecycle_event: script,
  npm_config_yes: "",
  ...Object.fromEntries(Object.entries(config).map(([k, v]) => [`npm_config_${k}`, v])),
});

describe("npm run without --", () => {
  const reapFlags = [
    { name: "dry-run", value: false },
    { name: "yes", value: false },
    { name: "now", value: true },
  ];

  it("sees a flag npm took for itself and shows the command with --", () => {
    assert.equal(
      npmAteFlags("reap", reapFlags, [], npmEnv("reap", { dry_run: "true" })),
      "npm took --dry-run for itself: npm run passes a script only what comes after --. Run: npm run reap -- --dry-run",
    );
    // A value flag's value arrives as a positional.
    assert.match(npmAteFlags("connectivity", [{ name: "stack", value: true }], ["local"], npmEnv("connectivity", { stack: "true" })) ?? "", /Run: npm run connectivity -- --stack local$/);
  });

  it("stays quiet when the flags came through, outside npm run, and for npm's own empty defaults", () => {
    assert.equal(npmAteFlags("reap", reapFlags, ["--dry-run"], npmEnv("reap", { dry_run: "true" })), undefined);
    assert.equal(npmAteFlags("reap", reapFlags, [], { npm_config_dry_run: "true" }), undefined, "not under npm run reap");
    assert.equal(npmAteFlags("reap", reapFlags, [], npmEnv("reap", {})), undefined, "npm sets npm_config_yes to an empty string by default");
  });

  it("resolves a relative path against the folder the user typed npm run in", () => {
    assert.equal(userPath("manifests/x.yaml", { INIT_CWD: "/home/me/repo/sub" }, "/home/me/repo"), "sub/manifests/x.yaml");
    assert.equal(userPath("manifests/x.yaml", { INIT_CWD: "/home/me/repo" }, "/home/me/repo"), "manifests/x.yaml", "as typed when npm ran from the root");
    assert.equal(userPath("x.yaml", { INIT_CWD: "/elsewhere" }, "/home/me/repo"), "/elsewhere/x.yaml");
    assert.equal(userPath("/abs/x.yaml", { INIT_CWD: "/home/me" }), "/abs/x.yaml");
  });

  describe("for real, through npm", function () {
    this.timeout(60_000);
    const npm = (args: string[], cwd = PROJECT_DIR) => spawnSync("npm", args, { cwd, encoding: "utf8", env: { ...process.env, PATH: process.env.PATH } });

    it("npm run reap --dry-run exits 2 and says how to pass the flag, instead of reaping", () => {
      const res = npm(["run", "--silent", "reap", "--dry-run"]);
      assert.equal(res.status, 2, res.stderr);
      assert.match(res.stderr, /reap: npm took --dry-run for itself.*Run: npm run reap -- --dry-run/);
    });

    it("npm run connectivity --format json explains itself instead of 'cannot read: json'", () => {
      const res = npm(["run", "--silent", "connectivity", "--format", "json"]);
      assert.equal(res.status, 2);
      assert.match(res.stderr, /Run: npm run connectivity -- --format json/);
    });

    it("reads a manifest path relative to the subfolder npm run was typed in", () => {
      const sub = fs.mkdtempSync(path.join(os.tmpdir(), "npm-sub-"));
      fs.cpSync(path.join(PROJECT_DIR, "tests", "fixtures", "manifests", "tutorial-or"), path.join(sub, "tutorial-or"), { recursive: true });
      const res = spawnSync("npm", ["run", "--silent", "--prefix", PROJECT_DIR, "connectivity", "--", "--format", "json", "tutorial-or"], { cwd: sub, encoding: "utf8" });
      assert.equal(res.status, 0, res.stderr);
      assert.ok((JSON.parse(res.stdout) as { connections: unknown[] }).connections.length > 0);
    });
  });
});
