import { strict as assert } from "node:assert";
import { ALL_BLOCKED_DIAGNOSIS, buildReport, formatVerifyReport, NO_OUTPUT_DIAGNOSIS, NOT_ENFORCED_DIAGNOSIS, REFUSED_UNJUDGED_DIAGNOSIS } from "../../core/verify/report";
import { parseProbeLog, podFailure, type ProbeObservation } from "../../core/verify/result";
import { devExpectations } from "./helpers";
import { REACHED, REFUSED, TIMED_OUT } from "./fakeCluster";

const opts = { connectTimeoutSeconds: 5 };
const reached = parseProbeLog(REACHED, opts);
const blocked = parseProbeLog(TIMED_OUT, opts);
const refused = parseProbeLog(REFUSED, opts);
// What kwok's fake nodes give: pods that run forever and never print anything.
const noResult = podFailure("no result within 20s (last state Running)");

/** What a cluster that enforces the dev stack's policies shows: only the first probe gets through. */
const enforced = (n: number): ProbeObservation[] => Array.from({ length: n }, (_, i) => (i === 0 ? reached : blocked));

describe("verify: report", () => {
  it("passes (exit 0) when every probe behaves as expected, and says so", () => {
    const e = devExpectations();
    const report = buildReport(e, enforced(e.length));
    assert.equal(report.exitCode, 0);
    assert.equal(report.diagnosis, undefined);
    const text = formatVerifyReport(report);
    assert.match(text, /^probe\s+namespace\s+labels\s+expected\s+observed\s+verdict\s+detail$/m);
    assert.match(text, /^consumer\s+critical-project\s+app=prices-api-consumer\s+allowed\s+allowed\s+✓\s+HTTP 200$/m);
    assert.match(text, /^unlabelled\s+default\s+\(none\)\s+denied\s+denied\s+✓\s+blocked: connect timed out after 5s$/m);
    assert.match(text, /OK: all 7 probes behaved as the policies say\./);
    assert.doesNotMatch(text, /✗/);
  });

  it("fails (exit 1) on a mismatch and names the probe, what it impersonates and both verdicts", () => {
    const e = devExpectations();
    const obs = enforced(e.length);
    const copycat = e.findIndex((x) => x.id === "copycat-critical-project/consumer");
    obs[copycat] = reached; // the tutorial's OR policy admits the copycat namespace
    const report = buildReport(e, obs);
    assert.equal(report.exitCode, 1);
    assert.equal(report.mismatches, 1);
    assert.equal(report.errors, 0);
    const text = formatVerifyReport(report);
    assert.match(text, /^consumer\s+copycat-critical-project\s+app=prices-api-consumer\s+denied\s+allowed\s+✗/m);
    assert.match(text, /✗ copycat-critical-project\/consumer \(app=prices-api-consumer in a namespace that copies project=critical-project\): expected denied, observed allowed/);
    assert.match(text, /FAILED: 1 mismatch in 7 probes\./);
  });

  it("diagnoses a cluster without a policy engine when every caller gets through", () => {
    const e = devExpectations();
    const report = buildReport(e, e.map(() => reached));
    assert.equal(report.exitCode, 1);
    assert.equal(report.mismatches, 6);
    assert.equal(report.diagnosis, NOT_ENFORCED_DIAGNOSIS);
    assert.match(formatVerifyReport(report), /NetworkPolicies are not enforced on this cluster \(no policy engine\?\)/);
  });

  it("diagnoses an allow rule that is not in effect when every caller is blocked", () => {
    const e = devExpectations();
    const report = buildReport(e, e.map(() => blocked));
    assert.equal(report.exitCode, 1);
    assert.equal(report.diagnosis, ALL_BLOCKED_DIAGNOSIS);
  });

  it("says enforcement cannot be judged when no probe produced a result, and never passes", () => {
    const e = devExpectations();
    const report = buildReport(e, e.map(() => noResult));
    assert.deepEqual([report.exitCode, report.mismatches, report.errors], [1, 0, e.length]);
    assert.equal(report.diagnosis, NO_OUTPUT_DIAGNOSIS);
    const text = formatVerifyReport(report);
    assert.match(text, /Enforcement cannot be judged: no probe produced a result/);
    assert.doesNotMatch(text, /^OK:/m);
  });

  it("counts a probe error as a failure (exit 1) but not as a mismatch, and keeps the reason", () => {
    const e = devExpectations();
    const obs = enforced(e.length);
    obs[1] = podFailure("the probe pod cannot start: ErrImagePull");
    const report = buildReport(e, obs);
    assert.deepEqual([report.exitCode, report.mismatches, report.errors], [1, 0, 1]);
    const text = formatVerifyReport(report);
    assert.match(text, /^consumer\s+default\s+app=prices-api-consumer\s+denied\s+error\s+✗\s+probe error: the probe pod cannot start: ErrImagePull/m);
    assert.match(text, /✗ default\/consumer .*: could not be checked/);
    assert.match(text, /FAILED: 1 probe error in 7 probes\./);
  });

  it("passes on a REJECTing enforcer (kube-router): refusals are blocks when the allowed caller got through, and the report says so", () => {
    const e = devExpectations();
    const report = buildReport(e, e.map((_, i) => (i === 0 ? reached : refused)));
    assert.deepEqual([report.exitCode, report.mismatches, report.errors], [0, 0, 0]);
    assert.deepEqual(report.blocked, { rejected: 6, dropped: 0 });
    const text = formatVerifyReport(report);
    assert.match(text, /^unlabelled\s+default\s+\(none\)\s+denied\s+denied\s+✓\s+blocked: connection refused at once/m);
    assert.match(text, /^Blocked connections: 6 refused at once \(the enforcer REJECTs, as kube-router does\)\.$/m);
    assert.match(text, /OK: all 7 probes/);
  });

  it("says which way a DROPping enforcer blocked", () => {
    const e = devExpectations();
    assert.match(formatVerifyReport(buildReport(e, enforced(e.length))), /^Blocked connections: 6 timed out \(the enforcer DROPs, as Azure NPM and Calico do\)\.$/m);
  });

  it("cannot judge refusals when nobody reached prices-api in the round: the API may not answer at all", () => {
    const e = devExpectations();
    const report = buildReport(e, e.map(() => refused));
    assert.deepEqual([report.exitCode, report.mismatches, report.errors], [1, 0, e.length]);
    assert.equal(report.diagnosis, REFUSED_UNJUDGED_DIAGNOSIS);
    assert.deepEqual(report.blocked, { rejected: 0, dropped: 0 });
    const text = formatVerifyReport(report);
    assert.match(text, /probe error: connection refused, and no caller reached prices-api in this round/);
    assert.doesNotMatch(text, /^OK:/m);
  });

  it("names the impostors a REJECTing enforcer let in under the tutorial's OR policy", () => {
    const e = devExpectations();
    const obs = e.map((x, i) => (i === 0 || x.namespace === "copycat-critical-project" ? reached : refused));
    const report = buildReport(e, obs);
    assert.equal(report.exitCode, 1);
    assert.match(formatVerifyReport(report), /✗ copycat-critical-project\/consumer \(.*\): expected denied, observed allowed/);
  });

  it("refuses observations that do not line up with the probes", () => {
    assert.throws(() => buildReport(devExpectations(), [reached]), /7 probes but 1 observations/);
  });
});
