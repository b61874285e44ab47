import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { EXIT_FAILED, EXIT_NO_PULUMI, EXIT_USAGE, main, type ReapIO } from "../../cli/reap/command";
import { auditLine, runReap, summarize } from "../../cli/reap/run";
import { decideReap } from "../../core/reap";
import { declaredStacks } from "../../cli/reap";
import { findPulumiCli, type ListedStack, type ReapWorkspace, type StackSettings } from "../../cli/reap/workspace";
import { aksState, SUBSCRIPTION } from "./stateFixtures";
import { destroyedResources } from "../../core/reapState";

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
  const settings = (config: Record<string, string>, outputs: Record<string, unknown>, extra: Partial<StackSettings> = {}): StackSettings => ({ config, outputs, ...extra });
  const key = (k: string) => `prices-api-netpol:${k}`;

  it("reads expiry and protection from the stack file", () => {
    assert.deepEqual(summarize("s", config("2026-01-01", true)), { name: "s", protect: true, protectReason: "protect is true in the stack file", expiresAt: "2026-01-01" });
    assert.deepEqual(summarize("s", settings({ [key("expiresAt")]: "2026-03-03" }, { expiresAt: "2026-03-03" })), { name: "s", protect: false, expiresAt: "2026-03-03" });
    assert.deepEqual(summarize("s", { config: {}, outputs: {} }), { name: "s", protect: false });
  });

  it("without the stack file in the checkout, the last outputs decide, protect included", () => {
    const s = summarize("s", settings({}, { expiresAt: "2026-02-02", protect: true }, { hasStackFile: false }));
    assert.deepEqual(s, { name: "s", protect: true, protectReason: "protect is true in the last outputs", expiresAt: "2026-02-02" });
    assert.deepEqual(summarize("s", settings({}, { expiresAt: "2026-02-02" }, { hasStackFile: false })).expiresAt, "2026-02-02");
  });

  it("protected means protected wherever it is said: outputs against the file, or Pulumi protect in the state", () => {
    const fileSaysNo = summarize("s", settings({ [key("protect")]: "false", [key("expiresAt")]: "2020-01-01" }, { protect: true, expiresAt: "2020-01-01" }));
    assert.equal(fileSaysNo.protect, true);
    const resources = aksState("s").map((r) => (/ResourceGroup|ManagedCluster/.test(r.type) ? { ...r, protect: true } : r));
    const state = summarize("s", settings({ [key("expiresAt")]: "2020-01-01" }, { expiresAt: "2020-01-01" }, { resources }));
    assert.deepEqual([state.protect, state.protectReason], [true, "Pulumi protect is set on policy-demo-rg, policy-demo"]);
    assert.equal(decideReap(state, NOW).decision, "keep-protected");
  });

  it("keeps a stack whose stack file and outputs disagree on the expiry, and says why", () => {
    // expiresAt removed from the stack file, still in the last outputs:
    const removed = summarize("s", settings({ [key("nodeCount")]: "1" }, { expiresAt: "2020-01-01" }));
    assert.equal(decideReap(removed, NOW).decision, "keep-conflict");
    assert.match(decideReap(removed, NOW).reason, /the stack file says expiresAt \(none\), the last outputs say 2020-01-01; kept until they agree/);
    const changed = summarize("s", settings({ [key("expiresAt")]: "2020-01-01" }, { expiresAt: "2099-01-01" }));
    assert.equal(decideReap(changed, NOW).decision, "keep-conflict");
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
    const kept = run.results.find((r) => r.stack === "expired-a")!;
    assert.equal(kept.decision, "keep-unreadable");
    assert.match(kept.result, /^kept; failed: its secrets cannot be decrypted \(error: passphrase must be set with PULUMI_CONFIG_PASSPHRASE\); give it its passphrase in PULUMI_CONFIG_PASSPHRASE_EXPIRED_A or REAP_PASSPHRASES\["expired-a"\]$/);
  });

  it("refuses a stack whose state holds an Azure resource outside its own resource group, names it, and fails the run", async () => {
    const stacks = backend();
    const planted = { urn: "urn:pulumi:expired-a::prices-api-netpol::azure-native:resources:ResourceGroup::their-rg", type: "azure-native:resources:ResourceGroup", id: `${SUBSCRIPTION}/resourceGroups/other-team-rg` };
    stacks.set("expired-a", { ...config("2026-06-01"), resources: [...aksState("expired-a"), planted] });
    stacks.set("expired-b", { ...config("2026-06-14T23:00:00Z"), resources: aksState("expired-b") });
    const ws = new FakeWorkspace(stacks);
    const run = await runReap(ws, { now: NOW, dryRun: false, log: () => {} });
    assert.deepEqual(ws.destroyed, ["expired-b"], "the stack with its own resources only is still reaped");
    assert.equal(run.failures, 1);
    const refused = run.results.find((r) => r.stack === "expired-a")!;
    assert.equal(refused.decision, "keep-foreign-resources");
    assert.match(refused.result, new RegExp(`^kept; failed: its state holds Azure resources outside the stack's own resource group, which a destroy would delete: azure-native:resources:ResourceGroup ${SUBSCRIPTION}/resourceGroups/other-team-rg\\. Refused`));
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
    declaredStacks: ["forever", "local"],
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
    assert.match(err.join(""), /^reap: Pulumi CLI not found on PATH: install it from https:\/\/www\.pulumi\.com\/docs\/iac\/download-install\//);
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

  it("writes one audit line per destroy (stack, reason, expiry, time) to stdout and to REAP_AUDIT_LOG's file", async () => {
    const ws = new FakeWorkspace(backend());
    const auditLog = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "audit-")), "reap-audit.log");
    assert.equal(await main(["--yes"], { ...io(ws, fakePulumiOnPath()), auditLog }), 0);
    const lines = fs.readFileSync(auditLog, "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(lines.map((l) => [l.event, l.stack, l.expiresAt]), [
      ["reap-destroyed", "expired-a", "2026-06-01"],
      ["reap-destroyed", "expired-b", "2026-06-14T23:00:00Z"],
    ]);
    assert.match(String(lines[0].reason), /^expired at 2026-06-02T00:00:00.000Z$/);
    assert.ok(!Number.isNaN(Date.parse(String(lines[0].at))));
    assert.equal((out.join("").match(/^reap: audit \{"event":"reap-destroyed"/gm) ?? []).length, 2);
  });

  it("writes no audit line in a dry run", async () => {
    const auditLog = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "audit-")), "reap-audit.log");
    assert.equal(await main(["--dry-run"], { ...io(new FakeWorkspace(backend()), fakePulumiOnPath()), auditLog }), 0);
    assert.equal(fs.existsSync(auditLog), false);
    assert.equal(auditLine("s", "r", undefined, new Date(0)), '{"event":"reap-destroyed","stack":"s","reason":"r","expiresAt":null,"resources":[],"at":"1970-01-01T00:00:00.000Z"}');
  });

  it("prints what it will destroy, types and names from the state, in the dry run and before a destroy, and keeps them in the audit line", async () => {
    const stacks = backend();
    stacks.set("expired-a", { ...config("2026-06-01"), resources: aksState("expired-a") });
    const expected = destroyedResources(aksState("expired-a"));
    const listing = `5 resources (from its state):\n${expected.map((r) => `  ${r.type} ${r.name}\n`).join("")}`;
    assert.equal(await main(["--dry-run"], io(new FakeWorkspace(new Map(stacks)), fakePulumiOnPath())), 0);
    assert.ok(out.join("").includes(`reap: expired-a would destroy ${listing}`), out.join(""));
    assert.match(out.join(""), /^reap: expired-b would destroy no resources \(its state is empty\)$/m);
    out.length = 0;
    const auditLog = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "audit-")), "reap-audit.log");
    assert.equal(await main(["--yes"], { ...io(new FakeWorkspace(new Map(stacks)), fakePulumiOnPath()), auditLog }), 0);
    const text = out.join("");
    const announced = text.indexOf(`reap: expired-a (expired at 2026-06-02T00:00:00.000Z): destroying ${listing}`);
    assert.ok(announced >= 0 && announced < text.indexOf('reap: audit {"event":"reap-destroyed","stack":"expired-a"'), text);
    const line = JSON.parse(fs.readFileSync(auditLog, "utf8").split("\n")[0]) as { stack: string; resources: unknown };
    assert.deepEqual([line.stack, line.resources], ["expired-a", expected]);
  });

  it("keeps a stack whose secrets cannot be decrypted, with the reason in the table, and exits 1", async () => {
    const ws = new FakeWorkspace(backend(), { read: new Set(["forever"]) });
    assert.equal(await main(["--yes"], io(ws, fakePulumiOnPath())), EXIT_FAILED);
    assert.match(out.join(""), /^forever +- +keep-unreadable +kept; failed: its secrets cannot be decrypted .*PULUMI_CONFIG_PASSPHRASE_FOREVER or REAP_PASSPHRASES\["forever"\]$/m);
  });

  it("a backend that holds none of this repository's stacks is an error (exit 1), the empty backend included, and decides nothing", async () => {
    const ws = new FakeWorkspace(backend());
    assert.equal(await main(["--yes"], { ...io(ws, fakePulumiOnPath()), declaredStacks: ["dev", "kind", "local"] }), EXIT_FAILED);
    assert.deepEqual(ws.destroyed, []);
    assert.match(err.join(""), /^reap: the backend holds none of this repository's stacks \(it has expired-a, expired-b, expired-protected, future, forever, typo\); this repository declares dev, kind, local \(its Pulumi\.<stack>\.yaml files\)\. Is PULUMI_BACKEND_URL the shared backend\? Nothing was decided or destroyed\.$/m);
    err.length = 0;
    assert.equal(await main(["--dry-run"], { ...io(new FakeWorkspace(new Map()), fakePulumiOnPath()), declaredStacks: ["dev", "kind", "local"] }), EXIT_FAILED);
    assert.match(err.join(""), /^reap: the backend holds no stacks of this project; this repository declares dev, kind, local/);
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

  it("knows this repository's stacks by its stack files", () => {
    assert.deepEqual(declaredStacks(path.resolve(__dirname, "../..")), ["dev", "kind", "local"]);
  });

  it("exits 2 on bad arguments before looking for Pulumi", async () => {
    assert.equal(await main(["--now", "soon"], io(new FakeWorkspace(backend()), binDir)), EXIT_USAGE);
    assert.match(err.join(""), /--now "soon"/);
  });
});
