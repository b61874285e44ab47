/** Manifests are read as kubectl reads them: every case of the table, documents, and what the engine then sees. */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { buildModel, ManifestError, parseManifestText, type PodInfo } from "../../core/netpol";
import { formatFloat32, kubectlReadsPlainAsText } from "../../core/netpol/kubectlScalars";
import { KubectlYamlError, readKubectlYaml } from "../../core/netpol/kubectlYaml";

interface Case {
  yaml: string;
  kubectl?: unknown;
  refused?: string;
}

const TABLE = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "fixtures", "kubectl-yaml", "scalars.json"), "utf8")) as { cases: Case[] };

describe("YAML read as kubectl v1.35 reads it", () => {
  it("the table has the issue's cases", () => {
    const yamls = TABLE.cases.map((c) => c.yaml);
    for (const y of ["v: 010\n", "v: 0o17\n", "v: 8_080\n", "v: yes\n", "v: no\n", "v: on\n", "v: off\n", "v: 190:20:30\n"]) assert.ok(yamls.includes(y), y);
  });

  for (const c of TABLE.cases) {
    const name = JSON.stringify(c.yaml);
    if (c.refused !== undefined) {
      it(`${name} is refused, as kubectl does (${c.refused.slice(0, 60)})`, () => {
        assert.throws(() => readKubectlYaml(c.yaml), KubectlYamlError);
      });
    } else {
      it(`${name} reads as ${JSON.stringify(c.kubectl)}`, () => {
        const docs = readKubectlYaml(c.yaml);
        assert.deepEqual(docs.map((d) => d.value), [c.kubectl]);
      });
    }
  }

  it("refuses two keys with one name, which kubectl would silently collapse to the last", () => {
    // kubectl v1.35.4 reads `metadata: {name: a, name: b}` as name b, and `010: a` + `8: b` as {"8": "b"}.
    assert.throws(() => readKubectlYaml("a: 1\na: 2\n"), (e: unknown) => e instanceof KubectlYamlError && e.line === 2 && /duplicate key "a" \(also at line 1\)/.test(e.message));
    assert.throws(() => readKubectlYaml("010: a\n8: b\n"), (e: unknown) => e instanceof KubectlYamlError && e.line === 2 && /duplicate key "8"/.test(e.message));
  });

  it("splits documents as kubectl's reader does", () => {
    const names = (text: string) => readKubectlYaml(text).map((d) => (d.value as { name?: string } | null)?.name ?? null);
    // kubectl v1.35.4: after `...` nothing more of that document is read; a second `---` adds no document.
    assert.deepEqual(names("name: a\n...\nname: b\n"), ["a"]);
    assert.deepEqual(names("name: a\n---\n---\nname: b\n"), ["a", "b"]);
    assert.deepEqual(names("--- # comment\nname: a\n---\n# only a comment\n---\nname: c\n"), ["a", null, "c"]);
    // kubectl: "error parsing f.yaml: invalid Yaml document separator: {name: a}"
    assert.throws(() => readKubectlYaml("name: x\n--- {name: a}\n"), (e: unknown) => e instanceof KubectlYamlError && e.line === 2 && /invalid YAML document separator: \{name: a\}/.test(e.message));
    assert.throws(() => readKubectlYaml("name: x\n---x\n"), (e: unknown) => e instanceof KubectlYamlError && e.line === 2);
  });

  it("reads JSON when the text starts with {, a stream of objects included, and YAML otherwise", () => {
    // kubectl v1.35.4 reads both objects of `{...}\n{...}`, and `{"v": 010}` (not JSON) as YAML: v is 8.
    assert.deepEqual(readKubectlYaml('{"n": "a"}\n{"n": "b"}\n').map((d) => d.value), [{ n: "a" }, { n: "b" }]);
    assert.deepEqual(readKubectlYaml('{"v": 010}\n').map((d) => d.value), [{ v: 8 }]);
    assert.throws(() => readKubectlYaml('{"v": '), (e: unknown) => e instanceof KubectlYamlError && /^malformed JSON/.test(e.message));
  });

  it("names the line of every key and item, and of a syntax error in a later document", () => {
    const [first, second] = readKubectlYaml("a: 1\n---\nspec:\n  ingress:\n    - ports:\n        - port: 010\n");
    assert.equal(first.lines?.place("a")?.line, 1);
    const port = second.lines?.place("spec.ingress[0].ports[0].port");
    assert.deepEqual(port, { line: 6, plain: "010", value: 8, complete: true });
    assert.equal(second.lines?.place("spec.ingress[0].ports[0].protocol")?.complete, false, "a field that is not there");
    assert.throws(() => readKubectlYaml("a: 1\n---\nb: [1\nc: 2\n"), (e: unknown) => e instanceof KubectlYamlError && e.document === 2 && e.line === 4 && /at line 4, column 1/.test(e.message));
  });

  it("stops alias bombs as go-yaml does", () => {
    const levels = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < 8; i++) levels.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(", ")}]`);
    assert.throws(() => readKubectlYaml(`${levels.join("\n")}\n`), (e: unknown) => e instanceof KubectlYamlError && /excessive aliasing/.test(e.message));
    assert.throws(() => readKubectlYaml("a: &a [*a]\n"), KubectlYamlError);
  });

  it("formats float keys as Go's FormatFloat(f, 'g', -1, 32)", () => {
    assert.deepEqual(
      [1.5, 1e3, 1e6, 123456, 16777217, 0.0001, 0.00001, -0, 3.14159265358979, 1e-10].map(formatFloat32),
      ["1.5", "1000", "1e+06", "123456", "1.6777216e+07", "0.0001", "1e-05", "-0", "3.1415927", "1e-10"],
    );
  });

  it("knows which text kubectl would not read back as that text", () => {
    for (const text of ["critical-project", "prices-api", "1:30", "2026-12-31", "0x", "nan"]) assert.ok(kubectlReadsPlainAsText(text), text);
    for (const text of ["yes", "on", "010", "0O17", "8_080", "1e1_0", "~", "", "<<", ".inf"]) assert.ok(!kubectlReadsPlainAsText(text), text);
  });
});

describe("manifests: the engine sees what kubectl applies", () => {
  const policy = (port: string) =>
    `apiVersion: v1\nkind: Pod\nmetadata: {name: api, namespace: a, labels: {app: api}}\nspec: {containers: [{name: c, ports: [{containerPort: 8}, {containerPort: 10}]}]}\n---\n` +
    `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: a}\nspec:\n  podSelector: {}\n  ingress:\n    - ports:\n        - port: ${port}\n`;

  it("port: 010 opens port 8, as on the cluster, not port 10", () => {
    const { model } = buildModel(parseManifestText(policy("010"), "p.yaml"));
    assert.deepEqual(model.policies[0].spec.ingress?.[0].ports, [{ port: 8 }]);
    assert.deepEqual((model.pods[0] as PodInfo).ports.map((p) => p.containerPort), [8, 10]);
    assert.deepEqual(buildModel(parseManifestText(policy("0o17"), "p.yaml")).model.policies[0].spec.ingress?.[0].ports, [{ port: 15 }]);
    assert.deepEqual(buildModel(parseManifestText(policy("8_080"), "p.yaml")).model.policies[0].spec.ingress?.[0].ports, [{ port: 8080 }]);
  });

  it("a boolean where a string belongs is refused with file, document, line and key, and what kubectl read", () => {
    const text = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  labels:\n    enabled: yes\n";
    assert.throws(
      () => buildModel(parseManifestText(text, "ns.yaml")),
      (e: unknown) =>
        e instanceof ManifestError &&
        e.line === 6 &&
        e.message === 'ns.yaml, document 1, line 6, field metadata.labels.enabled: label value must be a string, got true (kubectl reads the unquoted yes as true; quote it to keep the text)',
    );
  });

  it("a value kubectl cannot turn into JSON is refused with its line", () => {
    assert.throws(
      () => parseManifestText(policy(".inf"), "p.yaml"),
      (e: unknown) => e instanceof ManifestError && e.message === "p.yaml, document 2, line 13, field spec.ingress[0].ports[0].port: .inf cannot become JSON (json: unsupported value: +Inf); kubectl refuses the document",
    );
  });
});
