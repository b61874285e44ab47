import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { stackIntent } from "../../core/intent";
import { expectedProbeResults } from "../../core/intentGate";
import { parseManifestText } from "../../core/netpol";
import { PRICES_API_POLICY, stackObjects } from "../../core/stack";
import { readStackConfig } from "../../core/stackConfigFile";
import { PROJECT_DIR } from "./helpers";

const FIXTURE = path.join(PROJECT_DIR, "tests/fixtures/e2e/tutorial-or-policy.yaml");

describe("verify: the e2e negative fixture (the tutorial's OR policy)", () => {
  it("replaces the stack's policy by name, and lets through impostors the stack's policy denies", () => {
    const config = readStackConfig("local", PROJECT_DIR);
    const ours = stackObjects(config);
    const [tutorial] = parseManifestText(fs.readFileSync(FIXTURE, "utf8"), FIXTURE).map((s) => s.object);
    assert.equal(tutorial.metadata.name, PRICES_API_POLICY);
    assert.equal(tutorial.metadata.namespace, "pricing-ns");
    // What `kubectl apply` does on the cluster: same name and namespace, so it overwrites ours.
    const applied = ours.map((o) => (o.kind === "NetworkPolicy" && o.metadata.name === PRICES_API_POLICY ? tutorial : o));
    const before = expectedProbeResults(ours, stackIntent(config));
    const after = expectedProbeResults(applied, stackIntent(config));
    const allowed = (results: typeof before) => results.filter((r) => r.engineAllowed).map((r) => r.id);
    assert.deepEqual(allowed(before), ["critical-project/consumer"]);
    // verify expects `before`; on an enforcing cluster with the fixture applied it observes `after`: a mismatch, exit 1.
    assert.deepEqual(allowed(after), [
      "critical-project/consumer",
      "pricing-ns/consumer",
      "copycat-critical-project/consumer",
      "critical-project/unlabelled",
    ]);
  });
});
