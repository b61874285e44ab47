import { strict as assert } from "node:assert";
import { validateConfig } from "../../core/config";
import { checkCommand, checkVerdict, CURL_IMAGE } from "../../core/stack/checkCommands";

const dev = validateConfig({ "azure-native:location": "australiaeast" }, "dev");
const URL = "http://prices-api-service.pricing-ns.svc.cluster.local/price/1";
const curl = ["--command", "--", "curl", "-sS", "--max-time", "5", URL];
// The allow check retries briefly: the enforcer learns a new pod's address a moment after it starts.
const curlRetrying = ["--command", "--", "curl", "-sS", "--max-time", "5", "--retry", "10", "--retry-delay", "1", "--retry-connrefused", "--retry-max-time", "20", URL];

describe("the tutorial's two checks (core/stack/checkCommands)", () => {
  it("allow: one kubectl run of the probe image as the first caller's pod, as an argv without any shell", () => {
    assert.deepEqual(checkCommand("allow", dev), [
      "kubectl", "run", "curl-po-allow", "--rm", "-i", "--restart=Never", "--pod-running-timeout=3m", `--image=${CURL_IMAGE}`,
      "-n", "critical-project", "--labels=app=prices-api-consumer", ...curlRetrying,
    ]);
  });

  it("deny: an unlabelled pod in default", () => {
    assert.deepEqual(checkCommand("deny", dev), [
      "kubectl", "run", "curl-po-deny", "--rm", "-i", "--restart=Never", "--pod-running-timeout=3m", `--image=${CURL_IMAGE}`, "-n", "default", ...curl,
    ]);
  });

  it("is built from validated config: the stack's probeImage and first caller, and the cluster it is pointed at", () => {
    const config = validateConfig(
      { "azure-native:location": "australiaeast", probeImage: "localhost/curl:7.88.1", allowedCallers: [{ namespace: "billing", podLabels: { app: "invoicer", tier: "backend" } }] },
      "qa",
    );
    const argv = checkCommand("allow", config, { kubeconfig: "/tmp/kc.yaml", context: "kind-netpol" });
    assert.deepEqual(argv.slice(0, 5), ["kubectl", "--kubeconfig", "/tmp/kc.yaml", "--context", "kind-netpol"]);
    assert.ok(argv.includes("--image=localhost/curl:7.88.1"));
    assert.deepEqual(argv.slice(argv.indexOf("-n"), argv.indexOf("-n") + 3), ["-n", "billing", "--labels=app=invoicer,tier=backend"]);
    assert.ok(!argv.includes("sh") && !argv.includes("-c"), "nothing is handed to a shell");
  });

  it("reads kubectl's exit code (curl's): 0 reached; 28 (a DROP) and 7 (a REJECT) blocked; anything else no verdict", () => {
    const table = [0, 7, 28, 6, 1, null].map((code) => [code, checkVerdict("allow", code).asExpected, checkVerdict("deny", code).asExpected, checkVerdict("deny", code).observed]);
    assert.deepEqual(table, [
      [0, true, false, "reached"],
      [7, false, true, "blocked"],
      [28, false, true, "blocked"],
      [6, false, false, "error"],
      [1, false, false, "error"],
      [null, false, false, "error"],
    ]);
    assert.equal(checkVerdict("deny", 28).message, "deny check: blocked: no connection within 5s (curl exit 28), the way a dropping policy engine (Azure NPM, Calico, Cilium) denies; as expected");
    assert.match(checkVerdict("deny", 7).message, /^deny check: blocked: connection refused \(curl exit 7\), the way a rejecting policy engine \(kube-router\) denies; .*; as expected$/);
    assert.equal(checkVerdict("deny", 0).message, "deny check: prices-api answered; NOT as expected: the deny check must be blocked");
    assert.equal(checkVerdict("allow", 0).message, "allow check: prices-api answered; as expected");
    assert.match(checkVerdict("allow", 1).message, /^allow check: the check proves nothing: kubectl or curl failed \(exit 1\); see its output above; no verdict$/);
  });
});
