import { strict as assert } from "node:assert";
import { main } from "../../cli/manifests";
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
