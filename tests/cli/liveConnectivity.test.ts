/**
 * `connectivity --kubeconfig`: the real reader (cli/connectivity/liveCluster.ts) against a stand-in
 * API server on localhost, and the command's output and exit codes for a live source.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { runConnectivity } from "../../cli/connectivity";
import { readLiveObjects } from "../../cli/connectivity/liveCluster";
import { NoClusterError } from "../../cli/verify/connect";
import type { KubeObject, LiveObjects } from "../../core/netpol";

type Handler = (url: URL) => { status: number; body: string; type?: string };

const list = (items: unknown[], cont?: string) => JSON.stringify({ kind: "List", apiVersion: "v1", metadata: cont ? { continue: cont } : {}, items });

const namespace = (name: string, labels: Record<string, string> = {}) => ({ metadata: { name, labels: { "kubernetes.io/metadata.name": name, ...labels } } });
const podOf = (namespace: string, name: string, labels: Record<string, string>, owner?: [string, string], ports = [{ containerPort: 8080 }]) => ({
  metadata: { name, namespace, labels, ...(owner ? { ownerReferences: [{ kind: owner[0], name: owner[1], controller: true }] } : {}) },
  spec: { containers: [{ name: "c", ports }] },
  status: { phase: "Running", podIP: "10.244.0.7" },
});

describe("connectivity --kubeconfig: a live cluster", () => {
  let server: http.Server;
  let handler: Handler;
  let kubeconfigFile: string;
  const requests: string[] = [];

  before(async () => {
    server = http.createServer((req, res) => {
      requests.push(`${req.url} ${req.headers.authorization ?? ""}`);
      const answer = handler(new URL(req.url ?? "/", "http://stand-in"));
      res.writeHead(answer.status, { "content-type": answer.type ?? "application/json" });
      res.end(answer.body);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    kubeconfigFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "live-")), "kubeconfig.yaml");
    fs.writeFileSync(
      kubeconfigFile,
      `apiVersion: v1\nkind: Config\nclusters:\n- name: stand-in\n  cluster:\n    server: http://127.0.0.1:${port}\n    insecure-skip-tls-verify: true\nusers:\n- name: u\n  user:\n    token: t0k3n\ncontexts:\n- name: live\n  context: {cluster: stand-in, user: u}\n- name: other\n  context: {cluster: stand-in, user: u}\ncurrent-context: other\n`,
    );
  });
  after(() => server.close());
  beforeEach(() => (requests.length = 0));

  function cluster(objects: Partial<Record<string, unknown[]>>): Handler {
    return (url) => {
      const items = objects[url.pathname];
      return items ? { status: 200, body: list(items) } : { status: 404, body: JSON.stringify({ kind: "Status", message: `${url.pathname} not found` }) };
    };
  }

  const kc = () => {
    const k = new KubeConfig();
    k.loadFromFile(kubeconfigFile);
    k.setCurrentContext("live");
    return k;
  };

  it("lists the five kinds with the context's credentials, following continue tokens", async () => {
    handler = (url) => {
      if (url.pathname === "/api/v1/pods" && !url.searchParams.get("continue")) return { status: 200, body: list([podOf("a", "p1", {})], "next-page") };
      if (url.pathname === "/api/v1/pods") return { status: 200, body: list([podOf("a", "p2", {})]) };
      return { status: 200, body: list([]) };
    };
    const live = await readLiveObjects(kc());
    assert.deepEqual(live.pods.map((p) => p.metadata.name), ["p1", "p2"]);
    assert.ok(requests.every((r) => r.endsWith("Bearer t0k3n")), "every request carries the token");
    assert.deepEqual(
      requests.map((r) => r.split(" ")[0].split("?")[0]),
      ["/api/v1/namespaces", "/api/v1/pods", "/api/v1/pods", "/apis/apps/v1/replicasets", "/apis/batch/v1/jobs", "/apis/networking.k8s.io/v1/networkpolicies"],
    );
    assert.match(requests[2], /continue=next-page/);
  });

  it("says so when the server does not answer like a Kubernetes API server", async () => {
    handler = () => ({ status: 404, body: "<html><body>Not Found</body></html>", type: "text/html" });
    await assert.rejects(readLiveObjects(kc()), /did not answer like a Kubernetes API server \(HTTP 404 for \/api\/v1\/namespaces\)/);
  });

  it("passes on the API server's own message when it refuses a list", async () => {
    handler = () => ({ status: 403, body: JSON.stringify({ kind: "Status", message: 'pods is forbidden: User "u" cannot list resource "pods"' }) });
    await assert.rejects(readLiveObjects(kc()), /refused GET \/api\/v1\/namespaces \(HTTP 403: pods is forbidden: User "u" cannot list/);
  });

  it("reports a real API server's refusal of the credentials as such, not as a server that is not Kubernetes", async () => {
    handler = () => ({ status: 403, body: JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", reason: "Forbidden", code: 403, message: "namespaces is forbidden" }) });
    let stderr = "";
    const code = await runConnectivity(["--kubeconfig", kubeconfigFile, "--context", "live"], { stdout: () => {}, stderr: (t) => (stderr += t) });
    assert.equal(code, 1);
    assert.match(stderr, /rejected the credentials of context live \(HTTP 403\)/);
    assert.doesNotMatch(stderr, /did not answer like a Kubernetes API server/);
  });

  it("prints the usual formats, with pods named after their Deployment, for the context asked for", async () => {
    handler = cluster({
      "/api/v1/namespaces": [namespace("pricing-ns"), namespace("critical-project", { project: "critical-project" })],
      "/api/v1/pods": [
        podOf("pricing-ns", "prices-api-deployment-6f-abcde", { app: "prices-api" }, ["ReplicaSet", "prices-api-deployment-6f"]),
        podOf("critical-project", "consumer", { app: "prices-api-consumer" }, undefined, []),
      ],
      "/apis/apps/v1/replicasets": [{ metadata: { name: "prices-api-deployment-6f", namespace: "pricing-ns", ownerReferences: [{ kind: "Deployment", name: "prices-api-deployment", controller: true }] } }],
      "/apis/batch/v1/jobs": [],
      "/apis/networking.k8s.io/v1/networkpolicies": [{ metadata: { name: "default-deny-ingress", namespace: "pricing-ns" }, spec: { podSelector: {}, policyTypes: ["Ingress"] } }],
    });
    let stdout = "";
    let stderr = "";
    const code = await runConnectivity(["--kubeconfig", kubeconfigFile, "--context", "live", "--format", "json", "--explain"], { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
    assert.equal(code, 0, stderr);
    const doc = JSON.parse(stdout) as { connections: Array<{ from: string; to: string; port: number; allowed: boolean; ingressPolicies: string[] }> };
    assert.deepEqual(
      doc.connections.map(({ from, to, port, allowed, ingressPolicies }) => ({ from, to, port, allowed, ingressPolicies })),
      [{ from: "critical-project/consumer", to: "pricing-ns/prices-api-deployment", port: 8080, allowed: false, ingressPolicies: ["pricing-ns/default-deny-ingress"] }],
    );
  });

  it("exits 1 with one line when no cluster can be read, and 2 on bad arguments", async () => {
    let stderr = "";
    const io = { stdout: () => {}, stderr: (t: string) => (stderr += t) };
    const noCluster = async (): Promise<LiveObjects> => {
      throw new NoClusterError("connection refused at https://127.0.0.1:1 (context x from kubeconfig k)");
    };
    assert.equal(await runConnectivity(["--kubeconfig", kubeconfigFile], io, noCluster), 1);
    assert.equal(stderr, "connectivity: no cluster reachable: connection refused at https://127.0.0.1:1 (context x from kubeconfig k)\n");
    stderr = "";
    assert.equal(await runConnectivity(["--kubeconfig", kubeconfigFile, "--context", "nope"], io), 1);
    assert.match(stderr, /has no context "nope" \(it has: live, other\)/);
    stderr = "";
    assert.equal(await runConnectivity(["--kubeconfig", kubeconfigFile, "manifests/"], io), 2);
    assert.match(stderr, /^connectivity: --kubeconfig reads a live cluster/);
  });

  it("names the objects it was given, so a fake reader can stand in for the cluster", async () => {
    const objects: LiveObjects = { namespaces: [namespace("a") as unknown as KubeObject], pods: [podOf("a", "web", { app: "web" }) as unknown as KubeObject], replicaSets: [], jobs: [], networkPolicies: [] };
    let stdout = "";
    assert.equal(await runConnectivity(["-k", "any", "-f", "csv"], { stdout: (t) => (stdout += t), stderr: () => {} }, async () => objects), 0);
    assert.equal(stdout.split(/\r?\n/)[0].split(",")[0], "from");
  });
});
