import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { main } from "../../cli/connectivity-diff";
import {
  diffExposure,
  parseExposureReport,
  renderExposureDiff,
  COMMENT_MARKER,
  ConnectivityReportError,
  diffConnectivity,
  parseConnectivityReport,
  renderComment,
  renderDiff,
  type ReportConnection,
} from "../../core/connectivityDiff";
import { stackIntent } from "../../core/intent";
import { probeCallers, probeObjects } from "../../core/intentGate";
import { buildModel, computeMatrix, type KubeObject } from "../../core/netpol";
import { formatJson } from "../../core/report";
import { stackObjects } from "../../core/stack";
import { readStackConfig } from "../../core/stackConfigFile";

const API = "pricing-ns/prices-api-deployment";
const CONSUMER = "critical-project/consumer";
const OTHER = "critical-project/other";

function conn(from: string, to: string, allowed: boolean, port = 8080, reason = allowed ? "allowed by pricing-ns/prices-api-network-policy" : "denied by pricing-ns/default-deny-ingress"): ReportConnection {
  return { from, to, port, protocol: "TCP", allowed, reason };
}

function report(...connections: ReportConnection[]): string {
  return JSON.stringify({ connections, warnings: [], summary: {} });
}

const parse = (text: string) => parseConnectivityReport(text, "test.json");

describe("connectivity diff", () => {
  it("lists a connection this PR opens, with the head's reason", () => {
    const diff = diffConnectivity(parse(report(conn(CONSUMER, API, true), conn(OTHER, API, false))), parse(report(conn(CONSUMER, API, true), conn(OTHER, API, true))));
    assert.equal(diff.opened.length, 1);
    assert.deepEqual(diff.opened[0], { from: OTHER, to: API, port: 8080, protocol: "TCP", why: "allowed by pricing-ns/prices-api-network-policy" });
    assert.deepEqual(diff.closed, []);
    const md = renderDiff(diff);
    assert.match(md, /This PR opens 1 connection and closes 0/);
    assert.match(md, /Allowed connections: 1 → 2/);
    assert.ok(md.includes(`| \`${OTHER}\` | \`${API}\` | 8080/TCP | allowed by pricing-ns/prices-api-network-policy |`), md);
  });

  it("lists a connection this PR closes, with why it is refused now", () => {
    const diff = diffConnectivity(parse(report(conn(CONSUMER, API, true), conn(OTHER, API, true))), parse(report(conn(CONSUMER, API, true), conn(OTHER, API, false))));
    assert.deepEqual(diff.opened, []);
    assert.equal(diff.closed.length, 1);
    assert.equal(diff.closed[0].from, OTHER);
    assert.equal(diff.closed[0].why, "denied by pricing-ns/default-deny-ingress");
    assert.match(renderDiff(diff), /#### Closed/);
  });

  it("says so when nothing changes, even if the reports are ordered differently", () => {
    const a = report(conn(CONSUMER, API, true), conn(OTHER, API, false));
    const b = report(conn(OTHER, API, false), conn(CONSUMER, API, true));
    const diff = diffConnectivity(parse(a), parse(b));
    const md = renderDiff(diff);
    assert.match(md, /No change in who can reach whom\. \(1 allowed connection among 3 pods\.\)/);
    assert.doesNotMatch(md, /Opened|Closed/);
  });

  it("ignores connections that stay denied or change only their reason", () => {
    const diff = diffConnectivity(parse(report(conn(OTHER, API, false, 8080, "a"))), parse(report(conn(OTHER, API, false, 8080, "b"))));
    assert.deepEqual([diff.opened, diff.closed], [[], []]);
  });

  it("reports pods added and removed, and what they open or close", () => {
    const base = parse(report(conn(CONSUMER, API, true), conn("old/job", API, true)));
    const head = parse(report(conn(CONSUMER, API, true), conn("new/cron", API, true), conn("new/cron", API, true, 9090)));
    const diff = diffConnectivity(base, head);
    assert.deepEqual(diff.podsAdded, ["new/cron"]);
    assert.deepEqual(diff.podsRemoved, ["old/job"]);
    assert.deepEqual(diff.opened.map((c) => [c.port, c.why.split(";")[0]]), [[8080, "new pod new/cron"], [9090, "new pod new/cron"]]);
    assert.deepEqual(diff.closed.map((c) => c.why), ["pod removed: old/job"]);
    const md = renderDiff(diff);
    assert.match(md, /#### Pods added\n\n- `new\/cron`/);
    assert.match(md, /#### Pods removed\n\n- `old\/job`/);
  });

  it("marks a newly served port between existing pods", () => {
    const diff = diffConnectivity(parse(report(conn(CONSUMER, API, true))), parse(report(conn(CONSUMER, API, true), conn(CONSUMER, API, true, 9090))));
    assert.equal(diff.opened[0].why, "new port; allowed by pricing-ns/prices-api-network-policy");
  });

  it("keeps table cells intact when reasons contain pipes and markup", () => {
    const diff = diffConnectivity(parse(report()), parse(report(conn(CONSUMER, API, true, 8080, "a | b <script>\nnext"))));
    assert.ok(renderDiff(diff).includes("; a \\| b &lt;script> next |"), renderDiff(diff));
  });

  it("renders no link, image, code span or mention from a crafted reason", () => {
    const diff = diffConnectivity(parse(report()), parse(report(conn(CONSUMER, API, true, 8080, "[click](http://evil) ![x](http://e/i.png) `code` @team"))));
    const md = renderDiff(diff);
    assert.ok(md.includes("\\[click\\](http://evil) \\!\\[x\\](http://e/i.png) \\`code\\` &#64;team"), md);
  });

  it("refuses endpoint names that are not Kubernetes names, which would go verbatim into the comment", () => {
    for (const bad of ["ns/x`# Heading", "ns/[a](http://evil)", "Upper/x", "ns/x y"]) {
      const text = JSON.stringify({ connections: [{ from: bad, to: API, port: 8080, protocol: "TCP", allowed: true }] });
      assert.throws(() => parseConnectivityReport(text, "head.json"), /connections\[0\]\.from is .*expected "namespace\/pod"/, bad);
    }
  });

  it("lists the ways in a PR adds or removes (exposure), escaped, and says nothing when exposure is unchanged", () => {
    const report = (...ways: string[]) => JSON.stringify({ version: 2, exposure: [{ to: API, port: 8080, protocol: "TCP", ways: ways.map((text) => ({ kind: "pods", text })) }] });
    const base = parseExposureReport(report("any pod with app=a in a namespace with project=x, TCP 8080 (pricing-ns/p)"), "base");
    const head = parseExposureReport(report("any pod in a namespace with project=x, TCP 8080 (pricing-ns/p)", "[evil](http://x) @team"), "head");
    const md = renderExposureDiff(diffExposure(base, head));
    assert.match(md, /^#### Exposure changed/);
    assert.match(md, /##### New ways in[\s\S]*\| `pricing-ns\/prices-api-deployment` \| 8080\/TCP \| any pod in a namespace with project=x, TCP 8080 \(pricing-ns\/p\) \|/);
    assert.match(md, /\\\[evil\\\]\(http:\/\/x\) &#64;team/);
    assert.match(md, /##### Ways in removed[\s\S]*any pod with app=a/);
    assert.equal(renderExposureDiff(diffExposure(base, base)), "");
    assert.throws(() => parseExposureReport('{"exposure":[{"to":"ns/x y","port":1,"ways":[]}]}', "bad.json"), /exposure\[0\]\.to is "ns\/x y"/);
  });

  it("caps long tables and says how many rows were left out", () => {
    const many = Array.from({ length: 5 }, (_, i) => conn(`ns/p${i}`, API, true));
    const md = renderDiff(diffConnectivity(parse(report()), parse(report(...many))), 3);
    assert.match(md, /…and 2 more\./);
  });

  it("adding the README's billing caller opens exactly its connection and closes nothing", () => {
    const config = readStackConfig("dev");
    const withBilling = { ...config, allowedCallers: [...config.allowedCallers, { namespace: "billing", namespaceLabels: {}, podLabels: { app: "invoicer" } }] };
    // What `connectivity -- --format json --probes` prints for each: the stack's objects and the gate's probe pods.
    const reportOf = (c: typeof config) => formatJson(computeMatrix(buildModel([...stackObjects(c), ...probeObjects(probeCallers(stackIntent(c)))]).model), [], [], { explain: true });
    const diff = diffConnectivity(parse(reportOf(config)), parse(reportOf(withBilling)));
    assert.deepEqual(diff.opened.map((c) => `${c.from} -> ${c.to}:${c.port}`).map((k) => k.replace(/invoicer-[a-z0-9]{6}/, "invoicer-*")), ["billing/invoicer-* -> pricing-ns/prices-api-deployment:8080"]);
    assert.deepEqual(diff.closed, []);
    assert.deepEqual(diff.podsRemoved, []);
    assert.equal(diff.podsAdded.length, 5, diff.podsAdded.join(", "));
  });

  it("diffs two real engine reports: fixing the tutorial's OR trap closes two paths", () => {
    const config = readStackConfig("dev");
    const callers: KubeObject[] = [
      { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "consumer", namespace: "critical-project" }, spec: { selector: {}, template: { metadata: { labels: { app: "prices-api-consumer" } }, spec: { containers: [{ name: "c", image: "curl" }] } } } },
      { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "other", namespace: "critical-project" }, spec: { selector: {}, template: { metadata: { labels: { app: "other" } }, spec: { containers: [{ name: "c", image: "curl" }] } } } },
      { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "imposter", namespace: "pricing-ns" }, spec: { selector: {}, template: { metadata: { labels: { app: "prices-api-consumer" } }, spec: { containers: [{ name: "c", image: "curl" }] } } } },
    ];
    const fixed = stackObjects(config);
    const trap = fixed.map((o) => {
      if (o.metadata.name !== "prices-api-network-policy") return o;
      const spec = o.spec as { ingress: Array<{ from: Array<Record<string, unknown>> }> };
      const [peer] = spec.ingress[0].from;
      return { ...o, spec: { ...spec, ingress: [{ ...spec.ingress[0], from: [{ namespaceSelector: peer.namespaceSelector }, { podSelector: peer.podSelector }] }] } };
    });
    const toJson = (objects: KubeObject[]) => formatJson(computeMatrix(buildModel([...objects, ...callers]).model), [], [], { explain: true });
    const diff = diffConnectivity(parse(toJson(trap)), parse(toJson(fixed)));
    assert.deepEqual(diff.opened, []);
    assert.deepEqual(
      diff.closed.map((c) => `${c.from} -> ${c.to}:${c.port}`),
      ["critical-project/other -> pricing-ns/prices-api-deployment:8080", "pricing-ns/imposter -> pricing-ns/prices-api-deployment:8080"],
    );
    assert.ok(diff.closed.every((c) => c.why.length > 0));
  });
});

describe("connectivity report parsing", () => {
  it("refuses invalid JSON, naming the file", () => {
    assert.throws(() => parseConnectivityReport("{oops", "head.json"), (e: Error) => e instanceof ConnectivityReportError && /^head\.json: not valid JSON/.test(e.message));
  });

  it("refuses a document without connections", () => {
    assert.throws(() => parseConnectivityReport("[]", "base.json"), /base\.json: has no "connections" array/);
  });

  it("refuses a 5,000-deep value with a short message, not a RangeError", () => {
    const deep = `${"[".repeat(5000)}${"]".repeat(5000)}`;
    for (const text of [`{"connections":[{"from":${deep},"to":"a/b","port":1,"protocol":"TCP","allowed":true}]}`, `{"connections":[],"summary":${deep}}`]) {
      assert.throws(
        () => parse(text),
        (e: unknown) => e instanceof ConnectivityReportError && e.message.length < 300 && /test\.json: (connections\[0\]\.from is \[\[\[|the report is nested deeper than)/.test(e.message),
      );
    }
    const exposure = `{"exposure":[{"to":${deep},"port":1,"ways":[]}]}`;
    assert.throws(() => parseExposureReport(exposure, "x.json"), (e: unknown) => e instanceof ConnectivityReportError && e.message.length < 300);
  });

  it("refuses a protocol or port name that is not one of the report's, which would go into the comment", () => {
    for (const protocol of ["TCP | x", "<b>TCP</b>", "tcp"]) {
      assert.throws(() => parse(JSON.stringify({ connections: [{ ...conn(CONSUMER, API, true), protocol }] })), /connections\[0\]\.protocol is .*expected TCP, UDP or SCTP/, protocol);
    }
    for (const portName of ["x`|y", "[a](http://evil)", "HTTP", 8080]) {
      assert.throws(() => parse(JSON.stringify({ connections: [{ ...conn(CONSUMER, API, true), portName }] })), /connections\[0\]\.portName is .*expected a port name/, String(portName));
    }
    const way = (protocol: unknown, port: unknown = 8080) => JSON.stringify({ exposure: [{ to: API, port, protocol, ways: [{ text: "x" }] }] });
    assert.throws(() => parseExposureReport(way("TCP|x"), "e.json"), /exposure\[0\]\.protocol is "TCP\|x"; expected TCP, UDP or SCTP/);
    assert.throws(() => parseExposureReport(way("TCP", 70000), "e.json"), /exposure\[0\]\.port is 70000/);
  });

  it("keeps a lone carriage return (or any line break) from breaking out of a table cell", () => {
    const md = renderDiff(diffConnectivity(parse(report()), parse(report(conn(CONSUMER, API, true, 8080, "a\rb\r\nc\u2028d")))));
    const row = md.split("\n").find((l) => l.includes("`critical-project/consumer`")) ?? "";
    assert.ok(row.endsWith("a b c d |"), JSON.stringify(row));
    assert.doesNotMatch(md, /[\r\u2028]/);
  });

  it("names the bad field of a bad connection", () => {
    assert.throws(() => parse(JSON.stringify({ connections: [{ ...conn(CONSUMER, API, true), from: "nobody" }] })), /connections\[0\]\.from is "nobody"; expected "namespace\/pod"/);
    assert.throws(() => parse(JSON.stringify({ connections: [{ ...conn(CONSUMER, API, true), port: "8080" }] })), /connections\[0\]\.port is "8080"/);
    assert.throws(() => parse(JSON.stringify({ connections: [{ ...conn(CONSUMER, API, true), allowed: "yes" }] })), /connections\[0\]\.allowed is "yes"/);
  });
});

describe("PR comment", () => {
  const diff = diffConnectivity(parse(report()), parse(report(conn(CONSUMER, API, true))));

  it("starts with the marker and puts the picture and the folded table after the diff", () => {
    const body = renderComment({ diff, mermaid: "flowchart LR\n  a --> b\n", table: "FROM TO\n`x` y\n" });
    assert.ok(body.startsWith(`${COMMENT_MARKER}\n### Who can reach whom`));
    const diffAt = body.indexOf("#### Opened");
    const pictureAt = body.indexOf("```mermaid\nflowchart LR\n  a --> b\n```");
    const tableAt = body.indexOf("<details><summary>Full connectivity table (head)</summary>");
    assert.ok(diffAt > 0 && pictureAt > diffAt && tableAt > pictureAt, body);
    assert.ok(body.includes("```text\nFROM TO\n`x` y\n```"));
  });

  it("fences the picture longer than any backtick run in it, so nothing in it ends the block", () => {
    const body = renderComment({ diff, mermaid: "flowchart LR\n  a -->|\"```\"| b\n" });
    assert.ok(body.includes('````mermaid\nflowchart LR\n  a -->|"```"| b\n````'), body);
  });

  it("drops the full table, then the picture, to stay under GitHub's size limit", () => {
    const table = "x".repeat(5000);
    const limited = renderComment({ diff, mermaid: "flowchart LR", table, maxLength: 3000 });
    assert.ok(limited.length <= 3000);
    assert.match(limited, /```mermaid/);
    assert.match(limited, /Too large for a comment/);
    assert.doesNotMatch(limited, /xxxxx/);
  });
});

describe("connectivity-diff command", () => {
  let dir: string;
  const out: string[] = [];
  const err: string[] = [];
  const io = { stdout: (t: string) => void out.push(t), stderr: (t: string) => void err.push(t) };
  const write = (name: string, text: string) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
  };

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "conn-diff-"));
    out.length = 0;
    err.length = 0;
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("prints the whole comment body", () => {
    const code = main([write("base.json", report()), write("head.json", report(conn(CONSUMER, API, true))), "--mermaid", write("head.mmd", "flowchart LR"), "--table", write("head.txt", "table")], io);
    assert.equal(code, 0, err.join(""));
    const body = out.join("");
    assert.ok(body.startsWith(COMMENT_MARKER));
    assert.match(body, /This PR opens 1 connection/);
    assert.match(body, /```mermaid\nflowchart LR\n```/);
    assert.match(body, /<details>/);
  });

  it("adds the exposure section when --exposure gives reports that differ, right after the connection diff", () => {
    const exposure = (text: string) => JSON.stringify({ version: 2, exposure: [{ to: API, port: 8080, protocol: "TCP", ways: [{ kind: "pods", text }] }] });
    const code = main(
      [write("base.json", report()), write("head.json", report()), "--exposure", write("be.json", exposure("any pod with app=a in any namespace, TCP 8080 (x/p)")), write("he.json", exposure("anyone, TCP 8080 (x/open admits every source)")), "--table", write("t.txt", "table")],
      io,
    );
    assert.equal(code, 0, err.join(""));
    const body = out.join("");
    assert.match(body, /#### Exposure changed[\s\S]*anyone, TCP 8080/);
    assert.ok(body.indexOf("#### Exposure changed") < body.indexOf("<details>"));
    assert.equal(main([write("b2.json", report()), write("h2.json", report()), "--exposure", write("x.json", "{}")], io), 2, "needs two files");
  });

  it("notes when the base could not run connectivity", () => {
    assert.equal(main([write("b.json", '{"connections":[]}'), write("h.json", report(conn(CONSUMER, API, true))), "--base-unavailable"], io), 0);
    const body = out.join("");
    assert.match(body, /Allowed connections: 0 → 1\.\n\n> The base commit has no working `connectivity` command/);
    assert.ok(body.indexOf("> The base commit") < body.indexOf("#### Opened"), "the note comes before the tables");
  });

  it("exits 2 on bad JSON, naming the file", () => {
    const head = write("head.json", "<html>rate limited</html>");
    assert.equal(main([write("base.json", report()), head], io), 2);
    assert.match(err.join(""), new RegExp(`${head.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: not valid JSON`));
    assert.equal(out.join(""), "");
  });

  it("refuses a picture that is not connectivity's mermaid output, e.g. one that brings its own fence", () => {
    const injected = "```\n## Approved by security\n```mermaid\nflowchart LR\n";
    assert.equal(main([write("b.json", report()), write("h.json", report()), "--mermaid", write("h.mmd", injected)], io), 2);
    assert.match(err.join(""), /h\.mmd is not the output of `connectivity --format mermaid` \(it must start with flowchart\)/);
    assert.equal(out.join(""), "");
  });

  it("reads only regular files, at most 64 MiB: a report that is /dev/zero is refused at once", function () {
    this.timeout(30_000);
    const zero = path.join(dir, "zero.json");
    fs.symlinkSync("/dev/zero", zero);
    const res = spawnSync(process.execPath, ["-r", path.join(__dirname, "..", "..", "cli", "register.js"), path.join(__dirname, "..", "..", "cli", "connectivity-diff.ts"), write("b.json", report()), zero], { encoding: "utf8", timeout: 10_000 });
    assert.equal(res.signal, null, "finished within the timeout");
    assert.equal(res.status, 2);
    assert.match(res.stderr, /^connectivity-diff: cannot read .*zero\.json: a character device, not a regular file; only regular files are read\n/);
  });

  it("exits 2 on a missing file or wrong arguments", () => {
    assert.equal(main([write("base.json", report()), path.join(dir, "nope.json")], io), 2);
    assert.match(err.join(""), /cannot read .*nope\.json/);
    err.length = 0;
    assert.equal(main(["only-one.json"], io), 2);
    assert.match(err.join(""), /expected two report files \(base and head\), got 1\nUsage:/);
  });
});
