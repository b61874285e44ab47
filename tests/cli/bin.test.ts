/** The `bin` entry (`npx prices-api-netpol <command>`) and the fast loader the npm scripts use. */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PROJECT_DIR } from "./helpers";

const bin = path.join(PROJECT_DIR, "cli", "bin.js");
const runBin = (args: string[], cwd = PROJECT_DIR) => spawnSync(process.execPath, [bin, ...args], { cwd, encoding: "utf8", env: { ...process.env, INIT_CWD: undefined } });

describe("prices-api-netpol (bin)", () => {
  it("is the package's bin, an executable file", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "package.json"), "utf8")) as { bin: Record<string, string> };
    assert.deepEqual(pkg.bin, { "prices-api-netpol": "cli/bin.js" });
    assert.ok(fs.statSync(bin).mode & 0o111, "executable");
  });

  it("runs a command with its arguments, as npm run <command> -- <args> does", () => {
    const res = runBin(["connectivity", "--format", "csv", "--to", "pricing-ns/prices-api-deployment", "--allowed"]);
    assert.equal(res.status, 0, res.stderr);
    assert.deepEqual(res.stdout.trim().split("\n"), ["from,to,port,protocol,allowed,portName", "critical-project/consumer,pricing-ns/prices-api-deployment,8080,TCP,true,http"]);
    const manifests = runBin(["manifests", "--stack", "local"]);
    assert.equal(manifests.status, 0, manifests.stderr);
    assert.match(manifests.stdout, /^---\napiVersion: v1\nkind: Namespace\n/);
  });

  it("refuses an unknown command, listing the commands, and says how to use it without one", () => {
    const unknown = runBin(["conectivity"]);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /unknown command "conectivity"\nUsage: prices-api-netpol <command> \[args\] {3}\(commands: connectivity, connectivity-diff, manifests, verify, check, conformance, reap;/);
    assert.equal(runBin([]).status, 2);
  });

  it("prints its help on stdout for --help, and exits 0", () => {
    for (const flag of ["--help", "-h"]) {
      const help = runBin([flag]);
      assert.equal(help.status, 0);
      assert.match(help.stdout, /^Usage: prices-api-netpol <command> \[args\]/);
      assert.equal(help.stderr, "");
    }
  });

  it("works from any folder of the checkout, relative paths read from there", () => {
    const tests = path.join(PROJECT_DIR, "tests");
    const manifests = runBin(["manifests", "--stack", "local"], tests);
    assert.equal(manifests.status, 0, manifests.stderr);
    assert.match(manifests.stdout, /^---\napiVersion: v1\nkind: Namespace\n/);
    const json = runBin(["connectivity", "--format", "json", "fixtures/manifests/tutorial-or"], tests);
    assert.equal(json.status, 0, json.stderr);
    assert.equal((JSON.parse(json.stdout) as { summary: { pods: number } }).summary.pods, 4);
    const report = path.join(fs.mkdtempSync(path.join(tests, "tmp-bin-")), "r.json");
    try {
      fs.writeFileSync(report, '{"connections":[]}');
      const diff = runBin(["connectivity-diff", path.relative(tests, report), path.relative(tests, report)], tests);
      assert.equal(diff.status, 0, diff.stderr);
      assert.match(diff.stdout, /No change in who can reach whom/);
    } finally {
      fs.rmSync(path.dirname(report), { recursive: true, force: true });
    }
  });

  it("outside a checkout says it is not in a project folder", () => {
    const res = runBin(["manifests"], os.tmpdir());
    assert.equal(res.status, 2);
    assert.match(res.stderr, /^prices-api-netpol: not in a project folder: /);
  });

  it("the loader keeps what it transformed, one entry per source, and runs an edited source as edited", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "prices-api-loader-"));
    try {
      const file = path.join(dir, "answer.ts");
      const cache = path.join(dir, "cache");
      const env = { ...process.env, PRICES_API_NETPOL_SWC_CACHE: cache };
      const run = () => spawnSync(process.execPath, ["-r", path.join(PROJECT_DIR, "cli", "register.js"), file], { encoding: "utf8", env });
      fs.writeFileSync(file, "const answer: number = 41;\nconsole.log(answer);\n");
      assert.equal(run().stdout, "41\n");
      assert.equal(fs.readdirSync(cache).length, 1, "one entry");
      assert.equal(run().stdout, "41\n", "from the cache");
      fs.writeFileSync(file, "const answer: number = 42;\nconsole.log(answer);\n");
      const edited = run();
      assert.equal(edited.stdout, "42\n", edited.stderr);
      assert.equal(fs.readdirSync(cache).length, 1, "the entry replaced, not a second one");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
