import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { main } from "../../cli/connectivity";
import { main as manifestsMain } from "../../cli/manifests";
import { readStackConfig } from "../../core/stackConfigFile";
import { stackObjects } from "../../core/stack";
import { buildModel, computeMatrix, externalConnections } from "../../core/netpol";
import { formatTable } from "../../core/report";
import { FIXTURES, PROJECT_DIR, run, TUTORIAL_OR_DIR } from "./helpers";

/** A directory of manifests: `pods` pods in one namespace, each declaring port 80, and no policy. */
function manyPods(pods: number): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "many-pods-"));
  const docs = Array.from({ length: pods }, (_, i) => `apiVersion: v1\nkind: Pod\nmetadata: {name: p${i}, namespace: big}\nspec: {containers: [{name: c, ports: [{containerPort: 80}]}]}\n`);
  fs.writeFileSync(path.join(dir, "pods.yaml"), docs.join("---\n"));
  return dir;
}

describe("connectivity command at size", () => {
  // 110 pods are 11,990 connections: above the 10,000 a table prints without --full.
  const dir = manyPods(110);
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("prints the table's summary and, on stderr, how to focus or get it all, when the table would be longer than the bound", () => {
    const { code, stdout, stderr } = run(main, [dir]);
    assert.equal(code, 0, stderr);
    assert.equal(stdout, "110 pods (1 class), 11990 connections: 11990 allowed, 0 denied.\n");
    assert.match(stderr, /^hint: the table would list 11990 connections, more than the 10000 it prints; focus it with --to ns\/name or --from ns\/, take --format json, or print it all with --full$/m);
  });

  it("keeps the full table one flag away", () => {
    const { code, stdout, stderr } = run(main, [dir, "--full"]);
    assert.equal(code, 0, stderr);
    assert.equal(stdout.split("\n").filter((l) => /^ {2}big\/p\d+ +80\/TCP +ALLOWED/.test(l)).length, 11990);
    assert.doesNotMatch(stderr, /^hint:/m);
  });

  it("prints the picture's summary as a one-node flowchart when mermaid could not render it", () => {
    // 40 pods are drawn one by one (up to 60 are), with an edge per pair: 1,560 edges and 80 to the outside.
    const forty = manyPods(40);
    try {
      const { code, stdout, stderr } = run(main, [forty, "--format", "mermaid"]);
      assert.equal(code, 0, stderr);
      assert.equal(stdout, 'flowchart LR\n  summary["40 pods (1 class), 1560 connections: 1560 allowed, 0 denied. Too many edges to draw: focus with --to or --from."]\n');
      assert.match(stderr, /^hint: the picture would draw 1640 edges, more than the 500 mermaid renders; focus it with --to ns\/name or --from ns\/, take --format json, or print it all with --full$/m);
      assert.match(run(main, [forty, "--format", "mermaid", "--full"]).stdout, /^flowchart LR\n {2}subgraph /);
    } finally {
      fs.rmSync(forty, { recursive: true, force: true });
    }
  });

  it("a focus query stays under the bound and prints the table", () => {
    const { stdout, stderr } = run(main, [dir, "--to", "big/p0"]);
    assert.match(stdout, /^big\/p0 {2}\[80\/TCP\]/);
    assert.doesNotMatch(stderr, /^hint:/m);
  });
});

describe("connectivity command", () => {
  it("shows the tutorial's OR policy admitting any pod of critical-project, and warns about the trap", () => {
    const { code, stdout, stderr } = run(main, ["--format", "json", TUTORIAL_OR_DIR]);
    assert.equal(code, 0, stderr);
    const doc = JSON.parse(stdout);
    const intoApi = doc.connections.filter((c: { to: string }) => c.to === "pricing-ns/prices-api-deployment");
    const allowed = intoApi.filter((c: { allowed: boolean }) => c.allowed).map((c: { from: string }) => c.from);
    // batch-job carries no consumer label: only the OR lets it in.
    assert.deepEqual(allowed, ["critical-project/batch-job", "critical-project/curl-po-allow"]);
    assert.match(stderr, /^warning \[or-trap\] pricing-ns\/prices-api-network-policy: spec\.ingress\[0\]\.from /m);
    assert.ok(doc.warnings.some((w: { code: string }) => w.code === "or-trap"));
    assert.match(stderr, /^ignored: 1 object of kind Service$/m);
    assert.deepEqual(doc.ignored.map((i: { kind: string }) => i.kind), ["Service"]);
  });

  it("with --no-probes, analyses exactly the stack's own objects, through the same code the components use", () => {
    const { code, stdout } = run(main, ["--no-probes"]);
    assert.equal(code, 0);
    const model = buildModel(stackObjects(readStackConfig("dev", PROJECT_DIR))).model;
    const expected = formatTable(computeMatrix(model), { external: [...externalConnections(model)] });
    assert.equal(stdout, expected);
  });

  it("the documented route manifests > file && connectivity file gives what --stack --no-probes gives", () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "route-")), "stack.yaml");
    fs.writeFileSync(file, run(manifestsMain, ["--stack", "dev"]).stdout);
    type Report = { connections: unknown[]; warnings: unknown[]; summary: { pods: number } };
    const viaFile = JSON.parse(run(main, ["--format", "json", file]).stdout) as Report;
    const viaStack = JSON.parse(run(main, ["--format", "json", "--stack", "dev", "--no-probes"]).stdout) as Report;
    assert.equal(viaStack.summary.pods, 1, "prices-api, the one workload the stack deploys");
    assert.deepEqual([viaFile.connections, viaFile.warnings, viaFile.summary], [viaStack.connections, viaStack.warnings, viaStack.summary]);
    // With probes (the default) the stack adds callers, which the file does not have.
    const withProbes = JSON.parse(run(main, ["--format", "json", "--stack", "dev"]).stdout) as Report;
    assert.ok(withProbes.summary.pods > viaFile.summary.pods);
  });

  it("adds the intent gate's probes by default: only the caller reaches prices-api, and probes raise no lint", () => {
    const { code, stdout, stderr } = run(main, ["--format", "csv"]);
    assert.doesNotMatch(stderr, /warning/);
    assert.equal(code, 0);
    const podRows = stdout.split("\n").filter((l) => l !== "" && !l.includes("ip:"));
    const allowedRows = podRows.filter((l) => l.includes(",true,"));
    assert.deepEqual(allowedRows.map((l) => l.split(",").slice(0, 2)), [["critical-project/consumer", "pricing-ns/prices-api-deployment"]]);
    assert.equal(podRows.filter((l) => l.includes(",false,")).length, 6);
    // Outside the cluster: prices-api reaches the internet (no egress policy), the internet does not reach it.
    assert.ok(stdout.includes("pricing-ns/prices-api-deployment,ip:0.0.0.0/0 (all),all,,true,\n"));
    assert.ok(stdout.includes("ip:0.0.0.0/0 (all),pricing-ns/prices-api-deployment,,,false,\n"));
  });

  it("exits 2 with file, document, line and field on a malformed manifest, without a stack trace", () => {
    const { code, stdout, stderr } = run(main, [path.join(FIXTURES, "malformed")]);
    assert.equal(code, 2);
    assert.equal(stdout, "");
    assert.match(stderr, /^connectivity: .*bad-policy\.yaml, document 2, line 16, field spec\.ingress\[0\]\.ports\[0\]\.port: /);
    assert.ok(!/\n\s+at /.test(stderr), "no stack trace");
  });

  it("refuses --explain where it changes nothing: the table and the picture", () => {
    for (const format of ["table", "mermaid"]) {
      const res = run(main, ["--explain", "--format", format]);
      assert.equal(res.code, 2);
      assert.match(res.stderr, /^connectivity: --explain adds each connection's reason and deciding policies to json and csv; the table always shows why \(its WHY column\) and the picture has no room for it\n/);
    }
  });

  it("exits 2 on a missing path, an unknown stack and a bad format", () => {
    const missing = run(main, [path.join(FIXTURES, "no-such-dir")]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no-such-dir: cannot read/);
    const stack = run(main, ["--stack", "nope"]);
    assert.equal(stack.code, 2);
    assert.match(stack.stderr, /stack "nope" has no Pulumi\.nope\.yaml/);
    const format = run(main, ["--format", "yaml"]);
    assert.equal(format.code, 2);
    assert.match(format.stderr, /--format "yaml" is not a format; expected one of table, json, csv, mermaid\nRun with --help/);
  });

  it("exits 2 when the input holds no Kubernetes object: an empty file, an empty folder, a folder without manifests", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "no-objects-"));
    const empty = path.join(dir, "empty.yaml");
    fs.writeFileSync(empty, "# nothing here\n---\n");
    const emptyDir = fs.mkdtempSync(path.join(dir, "empty-dir-"));
    const notes = fs.mkdtempSync(path.join(dir, "notes-"));
    fs.writeFileSync(path.join(notes, "README.md"), "# not a manifest\n");
    for (const target of [empty, emptyDir, notes]) {
      const res = run(main, ["--format", "json", target]);
      assert.equal(res.code, 2, target);
      assert.equal(res.stdout, "");
      assert.match(res.stderr, new RegExp(`^connectivity: no Kubernetes objects found in ${target.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")} `));
    }
  });

  it("answers focus queries: who can reach prices-api, on which port, allowed only", () => {
    type Doc = { connections: Array<{ from: string; to: string; port: number; allowed: boolean }> };
    const all = JSON.parse(run(main, ["--format", "json"]).stdout) as Doc;
    const toApi = JSON.parse(run(main, ["--format", "json", "--to", "pricing-ns/prices-api-deployment"]).stdout) as Doc;
    assert.deepEqual(toApi.connections, all.connections.filter((c) => c.to === "pricing-ns/prices-api-deployment"));
    assert.ok(toApi.connections.length > 1);
    const allowed = JSON.parse(run(main, ["--format", "json", "--to", "pricing-ns/", "--port", "8080", "--allowed"]).stdout) as Doc;
    assert.deepEqual(allowed.connections.map((c) => c.from), ["critical-project/consumer"]);
    const denied = JSON.parse(run(main, ["--format", "json", "--from", "critical-project/", "--denied"]).stdout) as Doc;
    assert.ok(denied.connections.every((c) => c.from.startsWith("critical-project/") && !c.allowed) && denied.connections.length > 0);
  });

  it("applies the query in every format, and the table and picture show only the pods involved", () => {
    const args = ["--to", "pricing-ns/prices-api-deployment", "--from", "critical-project/"];
    const csv = run(main, ["--format", "csv", ...args]).stdout.trim().split("\n");
    assert.ok(csv.slice(1).every((l) => l.startsWith("critical-project/") && l.includes(",pricing-ns/prices-api-deployment,")));
    const table = run(main, ["--format", "table", ...args]).stdout;
    assert.doesNotMatch(table, /copycat-critical-project|default\//);
    const mermaid = run(main, ["--format", "mermaid", ...args]).stdout;
    assert.doesNotMatch(mermaid, /copycat/);
    assert.match(mermaid, /critical-project/);
  });

  it("refuses a query for a namespace or pod that is not there, listing what is", () => {
    const ns = run(main, ["--to", "pricing/"]);
    assert.equal(ns.code, 2);
    assert.match(ns.stderr, /^connectivity: --to pricing\/: there is no namespace pricing; the namespaces are copycat-critical-project, critical-project, default, pricing-ns\n/);
    const pod = run(main, ["--from", "pricing-ns/prices-api"]);
    assert.equal(pod.code, 2);
    assert.match(pod.stderr, /--from pricing-ns\/prices-api: no pod or workload prices-api in pricing-ns; it has consumer, prices-api-deployment/);
  });

  it("--exposure reads the tutorial's own intent back from the stack's policy, and its OR version as two ways in", () => {
    const ours = run(main, ["--exposure", "--to", "pricing-ns/prices-api-deployment"]);
    assert.equal(ours.code, 0, ours.stderr);
    assert.equal(
      ours.stdout,
      "pricing-ns/prices-api-deployment TCP 8080 (http):\n  any pod with app=prices-api-consumer in a namespace with project=critical-project and kubernetes.io/metadata.name=critical-project, TCP 8080 (pricing-ns/prices-api-network-policy)\n",
    );
    const tutorial = run(main, ["--exposure", "--to", "pricing-ns/", "--format", "json", TUTORIAL_OR_DIR]);
    const doc = JSON.parse(tutorial.stdout) as { version: number; exposure: Array<{ to: string; ways: Array<{ kind: string; text: string }> }> };
    assert.equal(doc.version, 2);
    assert.deepEqual(doc.exposure[0].ways.map((w) => w.text), [
      "any pod in a namespace with project=critical-project, TCP 8080 (pricing-ns/prices-api-network-policy)",
      "any pod with app=prices-api-consumer in a namespace with kubernetes.io/metadata.name=pricing-ns, TCP 8080 (pricing-ns/prices-api-network-policy)",
    ]);
  });

  it("prints usage for --help and exits 0", () => {
    const { code, stdout } = run(main, ["--help"]);
    assert.equal(code, 0);
    assert.match(stdout, /^Usage: npm run --silent connectivity -- \[--format table\|json\|csv\|mermaid\]/);
  });

  it("runs end to end as a process (npm script command line) and writes json to stdout", function () {
    this.timeout(60000);
    const out = execFileSync(process.execPath, ["-r", "ts-node/register/transpile-only", "cli/connectivity.ts", "--format", "json", TUTORIAL_OR_DIR], {
      cwd: PROJECT_DIR,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    assert.deepEqual(JSON.parse(out).summary, { pods: 4, classes: 4, connections: 3, allowed: 2, denied: 1 });
  });
});
