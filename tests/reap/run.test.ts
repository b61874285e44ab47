import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { EXIT_FAILED, EXIT_NO_PULUMI, EXIT_USAGE, main, type ReapIO } from "../../cli/reap/command";
import { runReap, summarize } from "../../cli/reap/run";
import { findPulumiCli, type ListedStack, type ReapWorkspace, type StackSettings } from "../../cli/reap/workspace";

/** An in-memory backend: stacks with settings, recording every destroy and remove. */
class FakeWorkspace implements ReapWorkspace {
  readonly destroyed: string[] = [];
  readonly removed: string[] = [];
  constructor(
    private readonly stacks: Map<string, StackSettings>,
    private readonly failures: { destroy?: Set<string>; remove?: Set<string>; read?: Set<string> } = {},
  ) {}
  async listStacks(): Promise<ListedStack[]> {
    return [...this.stacks.keys()].map((name) => ({ name }));
  }
  async stackSettings(stack: string): Promise<StackSettings> {
    if (this.failures.read?.has(stack)) throw new Error("error: passphrase must be set with PULUMI_CONFIG_PASSPHRASE");
    return this.stacks.get(stack)!;
  }
  async destroy(stack: string, onOutput: (text: string) => void): Promise<void> {
    onOutput(`Destroying (${stack})\n`);
    if (this.failures.destroy?.has(stack)) throw new Error(`code: 255\nstderr: error: deleting resource group of ${stack}: AuthorizationFailed`);
    this.destroyed.push(stack);
  }
  async removeStack(stack: string): Promise<void> {
    if (this.failures.remove?.has(stack)) throw new Error("stack still has resources");
    this.removed.push(stack);
    this.stacks.delete(stack);
  }
}

const config = (expiresAt?: string, protect?: boolean): StackSettings => ({
  config: {
    "prices-api-netpol:nodeCount": "1",
    ...(expiresAt !== undefined ? { "prices-api-netpol:expiresAt": expiresAt } : {}),
    ...(protect !== undefined ? { "prices-api-netpol:protect": String(protect) } : {}),
  },
  outputs: {},
});

const NOW = new Date("2026-06-15T12:00:00Z");

function backend(): Map<string, StackSettings> {
  return new Map([
    ["expired-a", config("2026-06-01")],
    ["expired-b", config("2026-06-14T23:00:00Z")],
    ["expired-protected", config("2026-01-01", true)],
    ["future", config("2026-07-01")],
    ["forever", config()],
    ["typo", config("2026-06-31")],
  ]);
}

describe("reap: settings", () => {
  it("prefers config, falls back to the expiresAt output, and reads protect", () => {
    assert.deepEqual(summarize("s", config("2026-01-01", true)), { name: "s", protect: true, expiresAt: "2026-01-01" });
    assert.deepEqual(summarize("s", { config: { "prices-api-netpol:expiresAt": "" }, outputs: { expiresAt: "2026-02-02" } }), { name: "s", protect: false, expiresAt: "2026-02-02" });
    assert.deepEqual(summarize("s", { config: { "prices-api-netpol:expiresAt": "2026-03-03" }, outputs: { expiresAt: "2026-02-02" } }).expiresAt, "2026-03-03");
    assert.deepEqual(summarize("s", { config: {}, outputs: {} }), { name: "s", protect: false });
  });
});

describe("reap: orchestration with a fake workspace", () => {
  it("destroys and removes only expired, unprotected stacks", async () => {
    const ws = new FakeWorkspace(backend());
    const run = await runReap(ws, { now: NOW, dryRun: false, log: () => {} });
    assert.deepEqual(ws.destroyed, ["expired-a", "expired-b"]);
    assert.deepEqual(ws.removed, ["expired-a", "expired-b"]);
    assert.equal(run.failures, 0);
    assert.deepEqual(
      run.results.map((r) => [r.stack, r.decision]),
      [
        ["expired-a", "destroy"],
        ["expired-b", "destroy"],
        ["expired-protected", "keep-protected"],
        ["forever", "keep-no-expiry"],
        ["future", "keep-not-expired"],
        ["typo", "invalid-expiry"],
      ],
    );
    assert.match(run.results.find((r) => r.stack === "typo")!.result, /^kept; warning: expiresAt "2026-06-31" is not an ISO 8601 date/);
  });

  it("dry run calls no destroy and no remove", async () => {
    const ws = new FakeWorkspace(backend());
    const run = await runReap(ws, { now: NOW, dryRun: true, log: () => {} });
    assert.deepEqual([ws.destroyed, ws.removed], [[], []]);
    assert.deepEqual(run.results.filter((r) => r.result.startsWith("would destroy")).map((r) => r.stack), ["expired-a", "expired-b"]);
  });

  it("keeps going after a failed destroy, does not remove that stack, and counts the failure", async () => {
    const ws = new FakeWorkspace(backend(), { destroy: new Set(["expired-a"]) });
    const log: string[] = [];
    const run = await runReap(ws, { now: NOW, dryRun: false, log: (t) => void log.push(t) });
    assert.deepEqual(ws.destroyed, ["expired-b"]);
    assert.deepEqual(ws.removed, ["expired-b"]);
    assert.equal(run.failures, 1);
    assert.match(run.results.find((r) => r.stack === "expired-a")!.result, /^failed: destroy: .*AuthorizationFailed/);
    assert.ok(log.includes("Destroying (expired-a)\n"), "Pulumi's output is passed through");
  });

  it("reports a stack destroyed but not removed as a failure", async () => {
    const run = await runReap(new FakeWorkspace(backend(), { remove: new Set(["expired-b"]) }), { now: NOW, dryRun: false, log: () => {} });
    assert.equal(run.failures, 1);
    assert.match(run.results.find((r) => r.stack === "expired-b")!.result, /^failed: destroyed, but stack not removed: stack still has resources/);
  });

  it("never destroys a stack whose settings cannot be read", async () => {
    const ws = new FakeWorkspace(backend(), { read: new Set(["expired-a"]) });
    const run = await runReap(ws, { now: NOW, dryRun: false, log: () => {} });
    assert.deepEqual(ws.destroyed, ["expired-b"]);
    assert.equal(run.failures, 1);
    assert.match(run.results.find((r) => r.stack === "expired-a")!.result, /failed: cannot read config\/outputs: .*PULUMI_CONFIG_PASSPHRASE/);
  });
});

describe("reap command", () => {
  let binDir: string;
  const out: string[] = [];
  const err: string[] = [];
  const io = (ws: ReapWorkspace, searchPath: string): ReapIO => ({
    stdout: (t) => void out.push(t),
    stderr: (t) => void err.push(t),
    searchPath,
    workspace: async () => ws,
    clock: () => NOW,
  });

  beforeEach(() => {
    out.length = 0;
    err.length = 0;
    binDir = fs.mkdtempSync(path.join(os.tmpdir(), "reap-bin-"));
  });
  afterEach(() => fs.rmSync(binDir, { recursive: true, force: true }));

  function fakePulumiOnPath(): string {
    const exe = path.join(binDir, "pulumi");
    fs.writeFileSync(exe, "#!/bin/sh\nexit 0\n", { mode: 0o755 });
    return binDir;
  }

  it("refuses to run without the Pulumi CLI, saying where to get it", async () => {
    const ws = new FakeWorkspace(backend());
    assert.equal(await main(["--dry-run"], io(ws, binDir)), EXIT_NO_PULUMI);
    assert.match(err.join(""), /^reap: Pulumi CLI not found on PATH: install it from https:\/\/www\.pulumi\.com\/docs\/install\//);
    assert.equal(out.join(""), "");
  });

  it("finds the CLI only as an executable file", () => {
    fs.writeFileSync(path.join(binDir, "pulumi"), "not executable", { mode: 0o644 });
    assert.equal(findPulumiCli(binDir, "linux"), undefined);
    fs.chmodSync(path.join(binDir, "pulumi"), 0o755);
    assert.equal(findPulumiCli(`/nonexistent${path.delimiter}${binDir}`, "linux"), path.join(binDir, "pulumi"));
  });

  it("prints the table and exits 1 when a destroy failed", async () => {
    const ws = new FakeWorkspace(backend(), { destroy: new Set(["expired-b"]) });
    assert.equal(await main(["--yes"], io(ws, fakePulumiOnPath())), EXIT_FAILED);
    const text = out.join("");
    assert.match(text, /deciding as of 2026-06-15T12:00:00.000Z/);
    assert.match(text, /^STACK +EXPIRES AT +DECISION +RESULT$/m);
    assert.match(text, /^expired-a +2026-06-01 +destroy +destroyed and removed$/m);
    assert.match(text, /^expired-b .* failed: destroy:/m);
    assert.match(err.join(""), /1 stack failed/);
  });

  it("honours --dry-run and --now from the command line", async () => {
    const ws = new FakeWorkspace(backend());
    assert.equal(await main(["--dry-run", "--now", "2030-01-01T00:00:00Z"], io(ws, fakePulumiOnPath())), 0);
    assert.deepEqual(ws.destroyed, []);
    assert.match(out.join(""), /^future +2026-07-01 +destroy +would destroy/m);
  });

  it("destroys nothing without --yes, and shows the command to repeat", async () => {
    const ws = new FakeWorkspace(backend());
    assert.equal(await main([], io(ws, fakePulumiOnPath())), 0);
    assert.deepEqual(ws.destroyed, []);
    const text = out.join("");
    assert.match(text, /dry run, nothing is changed/);
    assert.match(text, /^expired-a +2026-06-01 +destroy +would destroy/m);
    assert.match(text, /to destroy the stacks marked destroy, run: npm run reap -- --yes/);
  });

  it("exits 2 on bad arguments before looking for Pulumi", async () => {
    assert.equal(await main(["--now", "soon"], io(new FakeWorkspace(backend()), binDir)), EXIT_USAGE);
    assert.match(err.join(""), /--now "soon"/);
  });
});
