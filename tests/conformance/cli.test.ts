import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { conformanceMain, type ClusterConnection, type ConformanceIO } from "../../cli/conformance";
import { parseConformanceArgs } from "../../cli/conformance/args";
import { AGNHOST_IMAGE, LOCAL_AGNHOST_IMAGE } from "../../core/conformance/serverPod";
import { FakeClock } from "../verify/fakeCluster";
import { FakeCluster, type Enforcer } from "./fakeCluster";
import { CONFORMANCE_FIXTURES } from "./helpers";

const DENY_INGRESS = path.join(CONFORMANCE_FIXTURES, "should-support-a-default-deny-ingress-policy.yaml");
const KUBECONFIG = ["--kubeconfig", "kc.yaml"];

function harness(options: { enforcer?: Enforcer; nodeImages?: string[][]; abortAtExec?: number } = {}) {
  const cluster = new FakeCluster(options.enforcer);
  let stdout = "";
  let stderr = "";
  let connected = 0;
  const controller = new AbortController();
  let execs = 0;
  if (options.abortAtExec) cluster.onExec = () => void (++execs === options.abortAtExec && controller.abort());
  const created: string[] = [];
  const original = cluster.createPod.bind(cluster);
  cluster.createPod = async (pod) => {
    created.push((pod.spec as any).containers[0].image);
    return original(pod);
  };
  const connection: ClusterConnection = {
    description: "context local (https://10.0.0.1:6443) from kubeconfig kc.yaml",
    context: "local",
    server: "https://10.0.0.1:6443",
    client: cluster,
    nodeImages: async () => options.nodeImages,
    unreachable: () => undefined,
  };
  const io: ConformanceIO = {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    env: {},
    signal: controller.signal,
    clock: new FakeClock(),
    runId: "ab12cd34",
    connector: async () => {
      connected++;
      return connection;
    },
  };
  return { cluster, io, out: () => ({ stdout, stderr, connected, images: created }) };
}

describe("conformance: the command", () => {
  it("reads its interface exactly as the issue writes it", () => {
    assert.deepEqual(parseConformanceArgs([...KUBECONFIG, "--context", "c", "--cases", "a", "b", "--cases", "c", "--generate", "30", "--seed", "1", "--format", "json"]), {
      help: false,
      kubeconfig: "kc.yaml",
      context: "c",
      cases: ["a", "c", "b"],
      generate: { count: 30, seed: 1 },
      format: "json",
    });
  });

  for (const [argv, message] of [
    [["--cases", "x"], /--kubeconfig FILE is required/],
    [[...KUBECONFIG], /nothing to run: give --cases DIR/],
    [[...KUBECONFIG, "--generate", "3"], /--generate N and --seed S go together/],
    [[...KUBECONFIG, "--generate", "0", "--seed", "1"], /--generate "0" is not a whole number from 1 to 1000/],
    [[...KUBECONFIG, "--cases", "x", "--format", "csv"], /--format "csv" is not a format; expected one of table, json/],
    [[...KUBECONFIG, "x"], /x: case folders follow --cases/],
  ] as const) {
    it(`exits 2 without touching a cluster on ${argv.join(" ")}`, async () => {
      const h = harness();
      assert.equal(await conformanceMain([...argv], h.io), 2);
      assert.match(h.out().stderr, message);
      assert.equal(h.out().connected, 0);
    });
  }

  it("exits 2 on a bad case folder, naming the file, and makes nothing", async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "conformance-cli-"));
    fs.writeFileSync(path.join(root, "c.yaml"), "apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, namespace: x}\n");
    const h = harness();
    assert.equal(await conformanceMain([...KUBECONFIG, "--cases", path.join(root, "c.yaml")], h.io), 2);
    assert.match(h.out().stderr, new RegExp(`conformance: ${root}/c\\.yaml, document 2, line \\d+, field kind: kind Deployment is not part of a conformance case`));
    assert.equal(h.out().connected, 0);
    assert.deepEqual(h.cluster.log, []);
  });

  it("prints the context and server first, then the truth tables and the summary, and exits 0 when all agree", async () => {
    const h = harness();
    assert.equal(await conformanceMain([...KUBECONFIG, "--cases", DENY_INGRESS], h.io), 0);
    const { stdout, stderr } = h.out();
    assert.equal(stderr.split("\n")[0], "conformance: context local (https://10.0.0.1:6443) from kubeconfig kc.yaml");
    assert.match(stderr.split("\n")[1], /^conformance: 1 cases, run id ab12cd34 \(namespaces nc-ab12cd34-\*\), server image registry\.k8s\.io\/e2e-test-images\/agnhost:2\.59@sha256:10ed9880/);
    assert.match(stdout, /^case should-support-a-default-deny-ingress-policy \(/);
    assert.match(stdout, /\nTCP\/80 x\/a x\/b x\/c y\/a y\/b y\/c z\/a z\/b z\/c\n/);
    assert.match(stdout, /\nOK: the engine and the packets agree\.\n$/);
    assert.deepEqual(h.cluster.leftovers(), []);
  });

  it("exits 1 on a disagreement and lists it in json with the engine's reason and what the packets did", async () => {
    const h = harness({ enforcer: (p, spec) => (spec || p.to.endsWith("-x/c") ? "connected" : "REFUSED") });
    assert.equal(await conformanceMain([...KUBECONFIG, "--cases", DENY_INGRESS, "--format", "json"], h.io), 1);
    const doc = JSON.parse(h.out().stdout);
    assert.equal(doc.summary.disagreements, 8 * 4);
    assert.deepEqual(doc.cluster, { context: "local", server: "https://10.0.0.1:6443", runId: "ab12cd34" });
    assert.ok(doc.disagreements.every((d: any) => d.to === "x/c" && d.engine.allowed === false && /^denied: ingress to x\/c is isolated by x\/deny-ingress/.test(d.engine.reason) && d.packets.outcome === "allowed"));
  });

  it("runs generated cases, and uses the local agnhost image only when every node has it", async () => {
    const local = harness({ nodeImages: [[LOCAL_AGNHOST_IMAGE, "localhost/pause:3.10"]] });
    assert.equal(await conformanceMain([...KUBECONFIG, "--generate", "2", "--seed", "5"], local.io), 0);
    assert.ok(local.out().images.length > 0 && local.out().images.every((i) => i === LOCAL_AGNHOST_IMAGE));
    assert.match(local.out().stdout, /case generated-5-01 \(generated \(seed 5, case 1\)\)/);
    const mixed = harness({ nodeImages: [[LOCAL_AGNHOST_IMAGE], []] });
    assert.equal(await conformanceMain([...KUBECONFIG, "--generate", "1", "--seed", "5"], mixed.io), 0);
    assert.ok(mixed.out().images.every((i) => i === AGNHOST_IMAGE));
    const named = harness({ nodeImages: [[LOCAL_AGNHOST_IMAGE]] });
    assert.equal(await conformanceMain([...KUBECONFIG, "--generate", "1", "--seed", "5", "--image", "mirror.example/agnhost:2.59"], named.io), 0);
    assert.ok(named.out().images.every((i) => i === "mirror.example/agnhost:2.59"));
  });

  it("exits 130 when interrupted, with the cases that finished and nothing left on the cluster", async () => {
    const h = harness({ abortAtExec: 3 });
    assert.equal(await conformanceMain([...KUBECONFIG, "--cases", DENY_INGRESS], h.io), 130);
    assert.match(h.out().stderr, /interrupted: deleting the run's namespaces/);
    assert.deepEqual(h.cluster.leftovers(), []);
  });

  it("exits 1 with one line when no cluster is reachable", async () => {
    const h = harness();
    h.io.connector = async () => {
      throw Object.assign(new Error("no cluster reachable: kubeconfig kc.yaml does not exist"), { name: "NoClusterError" });
    };
    assert.equal(await conformanceMain([...KUBECONFIG, "--cases", DENY_INGRESS], h.io), 1);
    assert.equal(h.out().stderr, "conformance: no cluster reachable: kubeconfig kc.yaml does not exist\n");
  });
});
