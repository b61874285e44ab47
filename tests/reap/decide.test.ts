import assert from "node:assert/strict";
import { expiryInstant } from "../../core/expiry";
import { validateConfig } from "../../core/config";
import { decideReap, formatReapTable, parseReapArgs, planReap } from "../../core/reap";

const at = (iso: string) => new Date(iso);

describe("reap: expiry", () => {
  it("reads a bare date as the END of that day, UTC", () => {
    assert.equal(expiryInstant("2026-12-31")?.toISOString(), "2027-01-01T00:00:00.000Z");
    assert.equal(decideReap({ name: "d", expiresAt: "2026-12-31", protect: false }, at("2026-12-31T23:59:59Z")).decision, "keep-not-expired");
    assert.equal(decideReap({ name: "d", expiresAt: "2026-12-31", protect: false }, at("2027-01-01T00:00:00Z")).decision, "destroy");
  });

  it("reads date-times with Z, offsets, or no zone (as UTC)", () => {
    assert.equal(expiryInstant("2026-12-31T18:00:00Z")?.toISOString(), "2026-12-31T18:00:00.000Z");
    assert.equal(expiryInstant("2026-12-31T18:00:00+10:00")?.toISOString(), "2026-12-31T08:00:00.000Z");
    assert.equal(expiryInstant("2026-12-31T18:00")?.toISOString(), "2026-12-31T18:00:00.000Z");
    assert.equal(expiryInstant("2026-12-31T18:00:00.5-01:30")?.toISOString(), "2026-12-31T19:30:00.500Z");
  });

  it("refuses dates that do not exist instead of rolling them over", () => {
    for (const bad of ["2026-02-30", "2026-13-01", "2026-12-31T24:00", "31/12/2026", "tomorrow", "2026-12-31T18:00:00+25:00", ""]) {
      assert.equal(expiryInstant(bad), undefined, bad);
    }
    assert.equal(expiryInstant("2028-02-29")?.toISOString(), "2028-03-01T00:00:00.000Z", "leap day");
  });
});

describe("reap: decisions", () => {
  const now = at("2026-06-15T12:00:00Z");

  it("destroys an expired stack and says when it expired", () => {
    assert.deepEqual(decideReap({ name: "demo", expiresAt: "2026-06-01", protect: false }, now), {
      stack: "demo",
      expiresAt: "2026-06-01",
      decision: "destroy",
      reason: "expired at 2026-06-02T00:00:00.000Z",
    });
  });

  it("never destroys a protected stack, even long expired or with a broken date", () => {
    assert.equal(decideReap({ name: "prod", expiresAt: "2020-01-01", protect: true }, now).decision, "keep-protected");
    assert.equal(decideReap({ name: "prod", expiresAt: "garbage", protect: true }, now).decision, "keep-protected");
  });

  it("keeps stacks that have not expired or have no expiry", () => {
    assert.equal(decideReap({ name: "a", expiresAt: "2026-06-15T12:00:01Z", protect: false }, now).decision, "keep-not-expired");
    assert.equal(decideReap({ name: "b", protect: false }, now).decision, "keep-no-expiry");
    assert.equal(decideReap({ name: "c", expiresAt: "  ", protect: false }, now).decision, "keep-no-expiry");
  });

  it("keeps a stack with an unparseable expiry and explains how to fix it", () => {
    const entry = decideReap({ name: "typo", expiresAt: "2026-06-31", protect: false }, now);
    assert.equal(entry.decision, "invalid-expiry");
    assert.match(entry.reason, /"2026-06-31" is not an ISO 8601 date.*pulumi config set expiresAt/);
  });

  it("plans every stack in name order", () => {
    const plan = planReap(
      [
        { name: "zeta", expiresAt: "2026-01-01", protect: false },
        { name: "alpha", protect: false },
      ],
      now,
    );
    assert.deepEqual(plan.map((p) => [p.stack, p.decision]), [["alpha", "keep-no-expiry"], ["zeta", "destroy"]]);
  });

  it("prints a table with stack, expiry, decision and result", () => {
    const table = formatReapTable([
      { stack: "alpha", decision: "keep-no-expiry", reason: "", result: "kept" },
      { stack: "demo-long-name", expiresAt: "2026-01-01", decision: "destroy", reason: "", result: "destroyed and removed" },
    ]);
    assert.equal(
      table,
      ["STACK           EXPIRES AT  DECISION        RESULT", "alpha           -           keep-no-expiry  kept", "demo-long-name  2026-01-01  destroy         destroyed and removed", ""].join("\n"),
    );
  });
});

describe("reap: arguments", () => {
  const clock = () => at("2026-06-15T12:00:00Z");

  it("defaults to now and no dry run", () => {
    assert.deepEqual(parseReapArgs([], clock), { dryRun: false, yes: false, help: false, now: clock() });
    assert.deepEqual(parseReapArgs(["--yes"], clock), { dryRun: false, yes: true, help: false, now: clock() });
  });

  it("reads --dry-run and --now (a bare date is the start of that day)", () => {
    const args = parseReapArgs(["--dry-run", "--now", "2027-01-01"], clock);
    assert.equal(args.dryRun, true);
    assert.equal(args.now.toISOString(), "2027-01-01T00:00:00.000Z");
    assert.equal(parseReapArgs(["--dry-run", "--now=2027-01-01T06:00:00Z"], clock).now.toISOString(), "2027-01-01T06:00:00.000Z");
  });

  it("refuses years before 2000 (0026 is a typo for 2026, not 1926), as config validation does", () => {
    const d = decideReap({ name: "s", protect: false, expiresAt: "0026-01-01" }, new Date("2026-06-15T12:00:00Z"));
    assert.equal(d.decision, "invalid-expiry");
    assert.match(d.reason, /expiresAt "0026-01-01" is not an ISO 8601 date from 2000 on/);
    assert.throws(() => parseReapArgs(["--dry-run", "--now", "0026-01-01"], clock), /--now "0026-01-01" is not an ISO 8601 date-time/);
    assert.throws(() => validateConfig({ "azure-native:location": "australiaeast", expiresAt: "0026-12-31" }, "dev"), /expiresAt is "0026-12-31"; expected a real calendar date from 2000 on/);
  });

  it("refuses bad --now values and unknown arguments", () => {
    assert.throws(() => parseReapArgs(["--now"], clock), /--now needs an ISO 8601 date-time/);
    assert.throws(() => parseReapArgs(["--now", "yesterday"], clock), /--now "yesterday" is not an ISO 8601 date-time/);
    assert.throws(() => parseReapArgs(["--force"], clock), /unknown argument "--force"/);
  });

  it("allows --now only with --dry-run, and refuses --dry-run with --yes", () => {
    assert.throws(() => parseReapArgs(["--now", "2099-01-01"], clock), /only a --dry-run may do/);
    assert.throws(() => parseReapArgs(["--yes", "--now", "2099-01-01"], clock), /only a --dry-run may do/);
    assert.throws(() => parseReapArgs(["--dry-run", "--yes"], clock), /contradict/);
  });
});
