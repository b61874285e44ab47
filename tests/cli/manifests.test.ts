import { strict as assert } from "node:assert";
import { main, manifestsYaml } from "../../cli/manifests";
import { buildModel, parseManifestText } from "../../core/netpol";
import { stackObjects } from "../../core/stack";
import { readStackConfig } from "../../core/stackConfigFile";
import { PROJECT_DIR, run } from "./helpers";

describe("manifests command", () => {
  it("prints the stack's objects as YAML that parses back to the very same objects and model", () => {
    const { code, stdout, stderr } = run(main, ["--stack", "dev"]);
    assert.equal(code, 0, stderr);
    const objects = stackObjects(readStackConfig("dev", PROJECT_DIR));
    const parsed = parseManifestText(stdout, "manifests.yaml");
    assert.deepEqual(
      parsed.map((p) => p.object),
      objects,
    );
    // Pods remember where they were read from; everything else about the model must match.
    const withoutSources = (m: ReturnType<typeof buildModel>["model"]) => ({ ...m, pods: m.pods.map(({ source: _source, ...pod }) => pod) });
    assert.deepEqual(withoutSources(buildModel(parsed).model), withoutSources(buildModel(objects).model));
    assert.equal(stdout.split(/^---$/m).length - 1, objects.length, "one --- per document");
  });

  it("quotes every string kubectl would read as something else, keys included, and nothing more", () => {
    const tricky = ["on", "yes", "n", "010", "0O17", "8_080", "1e1_0", "0x_1F", "~", ""];
    const labels = Object.fromEntries(tricky.filter((t) => t !== "~").map((t, i) => [`k${i}`, t]));
    const objects = [{ apiVersion: "v1", kind: "Namespace", metadata: { name: "a", labels, annotations: Object.fromEntries(tricky.map((t) => [t, t])) } }];
    const text = manifestsYaml(objects);
    assert.deepEqual(parseManifestText(text, "m.yaml").map((p) => p.object), objects);
    assert.match(text, /^ {4}k8: ""$/m);
    assert.match(text, /^ {2}name: a$/m, "plain text stays plain");
  });

  it("writes every value out, with no YAML anchors or aliases, so the output diffs and reviews as plain YAML", () => {
    const { stdout } = run(main, ["--stack", "dev"]);
    // The Deployment's readiness and liveness probes share one tcpSocket object in the builders.
    assert.equal((stdout.match(/tcpSocket:\n\s+port: /g) ?? []).length, 2);
    assert.doesNotMatch(stdout, /[&*]a\d+\b/);
  });

  it("keeps keys in the order they were built (apiVersion, kind, metadata, spec)", () => {
    const { stdout } = run(main, []);
    const firstPolicy = stdout.split(/^---\n/m).find((d) => d.includes("kind: NetworkPolicy")) ?? "";
    assert.match(firstPolicy, /^apiVersion: networking\.k8s\.io\/v1\nkind: NetworkPolicy\nmetadata:\n/);
  });

  it("exits 2 naming the missing stack file, and on stray arguments", () => {
    const missing = run(main, ["--stack", "prod"]);
    assert.equal(missing.code, 2);
    assert.equal(missing.stdout, "");
    assert.match(missing.stderr, /^manifests: Invalid stack configuration: stack "prod" has no Pulumi\.prod\.yaml/);
    const stray = run(main, ["extra"]);
    assert.equal(stray.code, 2);
    assert.match(stray.stderr, /extra/);
  });
});
