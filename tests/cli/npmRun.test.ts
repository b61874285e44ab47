import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CONNECTIVITY_OPTIONS, MANIFESTS_OPTIONS } from "../../cli/args";
import { npmAteFlags, npmFlagsOf, type NpmFlag } from "../../cli/npmRun";
import { userPath } from "../../cli/npmRun";
import { VERIFY_OPTIONS } from "../../cli/verify/args";
import { CHECK_OPTIONS } from "../../cli/check";
import { CONFORMANCE_OPTIONS } from "../../cli/conformance/args";
import { E2E_FLAGS } from "../../e2e/flags";
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

  describe("from npm's own record of the command line", () => {
    const connectivity = npmFlagsOf(CONNECTIVITY_OPTIONS);
    const ate = (words: string[], argv: string[] = []) => npmAteFlags("connectivity", connectivity, argv, npmEnv("connectivity", {}), ["run", "--loglevel", "silent", "connectivity", ...words]);

    it("keeps every argument, paths included, in the order typed", () => {
      assert.match(ate(["tests/fixtures/manifests/tutorial-or", "--format", "json"]) ?? "", /took --format for itself.*Run: npm run --silent connectivity -- tests\/fixtures\/manifests\/tutorial-or --format json$/);
      assert.match(ate(["--explain", "--format", "json"]) ?? "", /took --explain, --format for itself.*Run: npm run --silent connectivity -- --explain --format json$/);
      assert.match(ate(["--to", "pricing-ns/", "--", "--format", "csv"]) ?? "", /took --to for itself.*Run: npm run --silent connectivity -- --to pricing-ns\/ --format csv$/);
      assert.match(ate(["--probes", "my dir"]) ?? "", /Run: npm run --silent connectivity -- --probes 'my dir'$/, "quoted for the shell");
    });

    it("sees the flags npm leaves no trace of in the environment: -k FILE, --to X, --no-probes", () => {
      assert.match(npmAteFlags("verify", npmFlagsOf(VERIFY_OPTIONS), [], npmEnv("verify", {}), ["run", "verify", "-k", "kc.yaml"]) ?? "", /took -k for itself.*Run: npm run verify -- -k kc\.yaml$/);
      assert.match(ate(["--no-probes"]) ?? "", /took --no-probes/);
      // npm logs its own short flags expanded: -s local is `--loglevel silent local`, -p is --parseable.
      assert.match(ate(["--loglevel", "silent", "local", "--parseable"]) ?? "", /took -s, -p for itself.*-- -s local -p$/);
      assert.equal(ate(["--loglevel", "silent"]), undefined, "--silent after the script is npm's own when no value follows");
      assert.equal(ate(["--", "--to", "x/"], ["--to", "x/"]), undefined, "after -- nothing is taken");
    });
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
      assert.match(res.stderr, /reap: npm took --dry-run for itself.*Run: npm run --silent reap -- --dry-run$/m);
    });

    it("npm run connectivity --format json explains itself instead of 'cannot read: json'", () => {
      const res = npm(["run", "--silent", "connectivity", "--format", "json"]);
      assert.equal(res.status, 2);
      assert.match(res.stderr, /Run: npm run --silent connectivity -- --format json$/m);
    });

    /** Each command's flags as typed, with a value for the ones that take one; help is npm's own before --. */
    const typed = (flags: readonly NpmFlag[], form: "long" | "short") =>
      flags
        .filter((f) => f.name !== "help" && (form === "long" || f.short !== undefined))
        .map((f) => ({ shown: form === "long" ? `--${f.name}` : `-${f.short}`, words: [form === "long" ? `--${f.name}` : `-${f.short}`, ...(f.value ? [f.name === "now" ? "2026-01-01" : `${f.name}-value`] : [])] }));
    const commands: Array<[string, readonly NpmFlag[]]> = [
      ["connectivity", npmFlagsOf(CONNECTIVITY_OPTIONS)],
      ["manifests", npmFlagsOf(MANIFESTS_OPTIONS)],
      ["verify", npmFlagsOf(VERIFY_OPTIONS)],
      ["reap", [{ name: "dry-run", value: false }, { name: "yes", short: "y", value: false }, { name: "now", value: true }]],
      ["check", npmFlagsOf(CHECK_OPTIONS)],
      ["conformance", npmFlagsOf(CONFORMANCE_OPTIONS)],
      ["e2e", E2E_FLAGS],
    ];
    for (const [script, flags] of commands) {
      for (const form of ["long", "short"] as const) {
        const words = typed(flags, form);
        // A command without short flags has nothing to test in that form (and would simply run).
        if (words.length === 0) continue;
        it(`npm run ${script} with its ${form} flags before -- (${words.map((w) => w.shown).join(" ")}): every one caught, the command shown with all of them`, () => {
          const res = npm(["run", "--silent", script, ...words.flatMap((w) => w.words)]);
          assert.equal(res.status, 2, res.stderr);
          // npm records -y as --yes, which is our own long flag too: either is the same command.
          const asRecorded = (w: string) => (w === "-y" ? "--yes" : w);
          assert.equal(res.stderr.split("\n")[0], `${script}: npm took ${words.map((w) => asRecorded(w.shown)).join(", ")} for itself: npm run passes a script only what comes after --. Run: npm run --silent ${script} -- ${words.flatMap((w) => w.words).map(asRecorded).join(" ")}`);
        });
        it(`npm run ${script} -- with its ${form} flags: every one reaches the command`, () => {
          const res = npm(["run", "--silent", script, "--", ...words.flatMap((w) => w.words), "--help"]);
          assert.equal(res.status, 0, res.stderr);
          assert.match(res.stdout, /^Usage: /);
        });
      }
    }

    it("reads a manifest path relative to the subfolder npm run was typed in", () => {
      const sub = fs.mkdtempSync(path.join(os.tmpdir(), "npm-sub-"));
      fs.cpSync(path.join(PROJECT_DIR, "tests", "fixtures", "manifests", "tutorial-or"), path.join(sub, "tutorial-or"), { recursive: true });
      const res = spawnSync("npm", ["run", "--silent", "--prefix", PROJECT_DIR, "connectivity", "--", "--format", "json", "tutorial-or"], { cwd: sub, encoding: "utf8" });
      assert.equal(res.status, 0, res.stderr);
      assert.ok((JSON.parse(res.stdout) as { connections: unknown[] }).connections.length > 0);
    });
  });
});
