import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";

const ROOT = path.resolve(__dirname, "..", "..");
const run = (args: string[], opts: { env?: NodeJS.ProcessEnv; asNobody?: boolean } = {}) => {
  const node = [process.execPath, "-r", "./cli/register.js", "local/main.ts", ...args];
  const [cmd, ...rest] = opts.asNobody ? ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", ...node] : node;
  return promisify(execFile)(cmd, rest, { cwd: ROOT, env: { ...process.env, ...opts.env }, encoding: "utf8" }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
};
const isRoot = process.getuid?.() === 0;

describe("npm run local", () => {
  it("without root says so in one line and points to kind + Calico", async () => {
    const r = await run(["up"], { asNobody: isRoot, env: { PRICES_API_NETPOL_SWC_CACHE: fs.mkdtempSync(path.join(os.tmpdir(), "swc-")) } });
    assert.equal(r.code, 2);
    assert.equal(r.stderr, "npm run local needs root (network namespaces, mounts, cgroups); run it as root, or use kind + Calico: docs/local.md\n");
  });

  it("refuses an unknown command and stray arguments, naming the commands", async () => {
    const r = await run(["start"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^local: unknown command "start"; the commands are up, status, down, kubectl\n$/);
    const s = await run(["down", "now"]);
    assert.equal(s.code, 2);
    assert.match(s.stderr, /down takes no arguments \(got now\)/);
  });

  it("status and down without a cluster say so, build nothing and touch nothing", async function () {
    // Without root every command stops at the root check (the first test); CI runs as root.
    if (!isRoot) this.skip();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "local-none-"));
    const env = { PRICES_API_NETPOL_LOCAL_DIR: dir };
    const status = await run(["status"], { env });
    assert.equal(status.code, 1);
    assert.equal(status.stdout, `no local cluster in ${dir}/cluster (start one with: npm run local -- up)\n`);
    const down = await run(["down"], { env });
    assert.equal(down.code, 0);
    assert.match(down.stdout, /nothing to tear down/);
    assert.deepEqual(fs.readdirSync(dir), []);
  });

  it("prints its usage with --help", async () => {
    const r = await run(["--help"]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^Usage: npm run local -- <command>/);
    assert.match(r.stdout, /kubectl ARGS\.\.\. the built kubectl, against this cluster/);
  });
});
