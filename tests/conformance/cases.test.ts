import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadCases } from "../../core/conformance/caseFiles";
import { stateAfter } from "../../core/conformance/state";
import { ManifestError } from "../../core/netpol";
import { CONFORMANCE_FIXTURES } from "./helpers";
const UPSTREAM_SOURCE = path.join(os.homedir(), ".cache/prices-api-netpol/e2e-tools/go/mod/k8s.io/kubernetes@v1.35.4/test/e2e/network/netpol/network_policy.go");

const NS = `apiVersion: v1
kind: Namespace
metadata: {name: x}
`;
const pod = (name: string, ports = "ports: [{containerPort: 80}]") => `apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: x, labels: {pod: ${name}}}
spec: {containers: [{name: c, image: any, ${ports}}]}
`;
const POLICY = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: x}
spec: {podSelector: {}}
`;

/** Writes files under a fresh temporary folder: { "case/step1/a.yaml": text }. */
function tree(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "conformance-cases-"));
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  }
  return root;
}

describe("conformance: cases from disk", () => {
  it("reads the upstream-derived fixtures: 45 cases on the shared x/y/z a/b/c model, steps where upstream changes something", () => {
    const cases = loadCases([CONFORMANCE_FIXTURES]);
    assert.equal(cases.length, 45);
    assert.deepEqual(cases.filter((c) => c.deviation).map((c) => c.name), ["should-work-with-ingress-egress-specified-together-ports-within-one-namespace"]);
    for (const c of cases) {
      const first = stateAfter(c, 1);
      assert.deepEqual([...first.namespaces.keys()], ["x", "y", "z"], c.name);
      assert.equal(first.pods.size, 9, c.name);
    }
    const steps = Object.fromEntries(cases.filter((c) => c.steps.length > 1).map((c) => [c.name, c.steps.length]));
    assert.deepEqual(Object.keys(steps).sort(), [
      "should-allow-ingress-access-from-updated-namespace",
      "should-allow-ingress-access-from-updated-pod",
      "should-deny-ingress-access-to-updated-pod",
      "should-enforce-multiple-egress-policies-with-egress-allow-all-policy-taking-precedence",
      "should-enforce-multiple-ingress-policies-with-ingress-allow-all-policy-taking-precedence",
      "should-enforce-multiple-stacked-policies-with-overlapping-podselectors",
      "should-enforce-policies-to-check-ingress-and-egress-policies-can-be-controlled-independently-based-on-podselector",
      "should-enforce-updated-policy",
      "should-stop-enforcing-policies-after-they-are-deleted",
    ]);
    const deleted = cases.find((c) => c.name === "should-stop-enforcing-policies-after-they-are-deleted")!;
    assert.deepEqual(deleted.steps[1].delete, ["x/deny-all"]);
    assert.equal(stateAfter(deleted, 2).policies.size, 0);
    const relabelled = cases.find((c) => c.name === "should-allow-ingress-access-from-updated-pod")!;
    const b = stateAfter(relabelled, 2).pods.get("x/b")!.object;
    assert.deepEqual(b.metadata.labels, { pod: "b", pod2: "updated" });
    assert.deepEqual(b.spec, stateAfter(relabelled, 1).pods.get("x/b")!.object.spec, "a relabelling step keeps the pod's spec");
  });

  it("names every fixture after an upstream test of network_policy.go that exists", function () {
    if (!fs.existsSync(UPSTREAM_SOURCE)) this.skip();
    const upstream = fs.readFileSync(UPSTREAM_SOURCE, "utf8");
    const titles = [...upstream.matchAll(/f\.It\("([^"]+)"/g)].map((m) => m[1]);
    for (const c of loadCases([CONFORMANCE_FIXTURES])) {
      const file = fs.statSync(c.source).isDirectory() ? path.join(c.source, "step1", "objects.yaml") : c.source;
      const title = /\] (.+)\n/.exec(fs.readFileSync(file, "utf8"))![1];
      assert.ok(titles.includes(title), `${c.name}: "${title}" is not an upstream test`);
      // A variant of an upstream test (the same check in another shape) says how it differs after the test's name.
      assert.ok(c.name.replace(/^udp-/, "").startsWith(title.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "")), c.name);
    }
  });

  it("gives a case of the fixtures named on its own the shared model", () => {
    const [c] = loadCases([path.join(CONFORMANCE_FIXTURES, "should-support-a-default-deny-ingress-policy.yaml")]);
    assert.equal(stateAfter(c, 1).pods.size, 9);
    assert.deepEqual([...stateAfter(c, 1).policies.keys()], ["x/deny-ingress"]);
  });

  it("refuses a case without pods, naming the case and its folder", () => {
    const root = tree({ "empty-case/policy.yaml": `${NS}---\n${POLICY}` });
    assert.throws(() => loadCases([path.join(root, "empty-case")]), new RegExp(`${root}/empty-case: case empty-case has no pods after step 1`));
  });

  it("refuses an unknown kind, naming the file and document", () => {
    const root = tree({ "c/objects.yaml": `${NS}---\n${pod("a")}---\n${pod("b")}---\napiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: x}\n` });
    assert.throws(
      () => loadCases([path.join(root, "c")]),
      (e: unknown) => e instanceof ManifestError && e.file === path.join(root, "c", "objects.yaml") && e.document === 4 && /kind Service is not part of a conformance case/.test(e.message),
    );
  });

  it("refuses a pod without ports, naming the file and the pod", () => {
    const root = tree({ "c.yaml": `${NS}---\n${pod("a")}---\n${pod("b", "ports: []")}` });
    assert.throws(() => loadCases([path.join(root, "c.yaml")]), /c\.yaml, document 3, line \d+, field spec\.containers: pod x\/b declares no containerPort/);
  });

  it("refuses objects outside the case's namespaces, and the default namespace", () => {
    const stray = tree({ "c.yaml": `${pod("a")}---\n${pod("b")}` });
    assert.throws(() => loadCases([path.join(stray, "c.yaml")]), /is in namespace x, which c does not declare by step 1/);
    const noNs = tree({ "c.yaml": `${NS}---\n${pod("a")}---\napiVersion: v1\nkind: Pod\nmetadata: {name: b}\nspec: {containers: [{name: c, ports: [{containerPort: 80}]}]}\n` });
    assert.throws(() => loadCases([path.join(noNs, "c.yaml")]), /Pod b needs a metadata.namespace naming a Namespace of the case/);
  });

  it("refuses step folders with a gap, a step that changes a pod's spec, and a delete of a policy no step made", () => {
    const base = { "c/base.yaml": `${NS}---\n${pod("a")}---\n${pod("b")}` };
    const gap = tree({ ...base, "c/step1/p.yaml": POLICY, "c/step3/p.yaml": POLICY });
    assert.throws(() => loadCases([path.join(gap, "c")]), /step folders must be step1\/ to step2\/ without gaps; found step3\//);
    const respec = tree({ ...base, "c/step1/p.yaml": POLICY, "c/step2/pod.yaml": pod("a", "ports: [{containerPort: 81}]") });
    assert.throws(() => loadCases([path.join(respec, "c")]), /pod x\/a changes its spec in step 2 .*a step may change only a pod's labels/);
    const del = POLICY.replace("metadata: {name: deny, namespace: x}", 'metadata: {name: other, namespace: x, annotations: {"conformance.netpol/delete": "true"}}');
    const orphan = tree({ ...base, "c/step1/p.yaml": POLICY, "c/step2/p.yaml": del });
    assert.throws(() => loadCases([path.join(orphan, "c")]), /step 2 of c deletes NetworkPolicy x\/other, which no earlier step created/);
  });

  it("reads a folder of cases with a shared model, and a deviation file beside a case", () => {
    const root = tree({
      "model/m.yaml": `${NS}---\n${pod("a")}---\n${pod("b")}`,
      "one.yaml": POLICY,
      "two/step1/p.yaml": POLICY,
      "two/step2/p.yaml": POLICY.replace("{podSelector: {}}", "{podSelector: {}, ingress: [{}]}"),
      "one.deviation.yaml": "enforcer: kube-router v2.1.0\nupstreamTest: should do it\nexplanation: it does not\ncells: [{to: x/a, protocol: UDP}]\n",
    });
    const cases = loadCases([root]);
    assert.deepEqual(cases.map((c) => `${c.name}:${c.steps.length}`), ["one:1", "two:2"]);
    assert.equal(cases[0].deviation?.enforcer, "kube-router v2.1.0");
    assert.deepEqual(cases[0].deviation?.cells, [{ to: "x/a", protocol: "UDP" }]);
    assert.equal(cases[1].deviation, undefined);
  });

  it("refuses a deviation file that is malformed or beside no case", () => {
    const bad = tree({ "model/m.yaml": `${NS}---\n${pod("a")}---\n${pod("b")}`, "one.yaml": POLICY, "one.deviation.yaml": "enforcer: kube-router\ncells: []\n" });
    assert.throws(() => loadCases([bad]), /one\.deviation\.yaml: cells must list at least one cell/);
    const stray = tree({ "model/m.yaml": `${NS}---\n${pod("a")}---\n${pod("b")}`, "one.yaml": POLICY, "two.deviation.yaml": "x: 1\n" });
    assert.throws(() => loadCases([stray]), /two\.deviation\.yaml: there is no case two beside it/);
  });

  it("refuses a missing path and two cases of one name", () => {
    assert.throws(() => loadCases(["/nonexistent/cases"]), /\/nonexistent\/cases: no such file or folder/);
    const a = tree({ "c.yaml": `${NS}---\n${pod("a")}---\n${pod("b")}` });
    assert.throws(() => loadCases([path.join(a, "c.yaml"), path.join(a, "c.yaml")]), /two cases are named c/);
  });
});
