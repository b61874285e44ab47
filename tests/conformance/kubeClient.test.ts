/**
 * The real conformance client (cli/conformance/kubeClient.ts) against a stand-in API server on
 * localhost, and the check that what the cluster returns means what was applied. The stand-in
 * records every request with its body, so the tests see exactly what a cluster would receive.
 */
import { strict as assert } from "node:assert";
import * as http from "node:http";
import { ClientNodeConformanceClient } from "../../cli/conformance/kubeClient";
import { clusterState } from "../../core/conformance/reconcile";
import { policyMeaning, readBackProblems } from "../../core/conformance/readBackCheck";
import { RunNames } from "../../core/conformance/runNames";
import { stateAfter } from "../../core/conformance/state";
import type { KubeObject } from "../../core/netpol";
import { fixtureCase, readBackOf } from "./helpers";
import { standInKubeConfig } from "../standInKubeConfig";

type Route = { status: number; body: unknown };
const status = (code: number, message: string): Route => ({ status: code, body: { kind: "Status", apiVersion: "v1", status: "Failure", message, code } });

describe("conformance: the real client against a stand-in API server", () => {
  let server: http.Server;
  let client: ClientNodeConformanceClient;
  const routes = new Map<string, Route>();
  const requests: Array<{ key: string; contentType?: string; body?: any }> = [];

  before(async () => {
    server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (d) => (body += d));
      req.on("end", () => {
        const key = `${req.method} ${req.url?.split("?")[0]}`;
        requests.push({ key, contentType: req.headers["content-type"], ...(body ? { body: JSON.parse(body) } : {}) });
        const route = routes.get(key) ?? status(404, `${key} not found`);
        res.writeHead(route.status, { "content-type": "application/json" });
        res.end(JSON.stringify(route.body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const kc = standInKubeConfig(server);
    client = new ClientNodeConformanceClient(kc, 5_000);
  });
  after(() => server.close());
  beforeEach(() => {
    routes.clear();
    requests.length = 0;
  });

  it("sends a NetworkPolicy exactly as written, `from` peers included", async () => {
    const policy: KubeObject = {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name: "p", namespace: "nc-ab-x" },
      spec: { podSelector: { matchLabels: { pod: "a" } }, ingress: [{ from: [{ podSelector: { matchLabels: { pod: "b" } } }], ports: [{ port: "serve-80-tcp" }] }], policyTypes: ["Ingress"] },
    };
    routes.set("POST /apis/networking.k8s.io/v1/namespaces/nc-ab-x/networkpolicies", { status: 201, body: policy });
    await client.createPolicy(policy);
    assert.deepEqual(requests[0].body, policy);
    assert.equal(requests[0].contentType, "application/json");
  });

  it("replaces a policy with its current resourceVersion, and treats a policy that is gone as deleted", async () => {
    const path = "/apis/networking.k8s.io/v1/namespaces/nc-ab-x/networkpolicies/p";
    routes.set(`GET ${path}`, { status: 200, body: { metadata: { name: "p", resourceVersion: "42" } } });
    routes.set(`PUT ${path}`, { status: 200, body: {} });
    await client.replacePolicy({ apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "p", namespace: "nc-ab-x" }, spec: { podSelector: {}, ingress: [{ from: [{ namespaceSelector: {} }] }] } });
    assert.equal(requests[1].key, `PUT ${path}`);
    assert.equal(requests[1].body.metadata.resourceVersion, "42");
    assert.deepEqual(requests[1].body.spec.ingress, [{ from: [{ namespaceSelector: {} }] }]);
    await client.deletePolicy("nc-ab-x", "p");
  });

  it("sets labels with a merge patch that removes the labels no longer wanted, and never the name label", async () => {
    routes.set("GET /api/v1/namespaces/nc-ab-x/pods/b", { status: 200, body: { metadata: { labels: { pod: "b", pod2: "updated", "kubernetes.io/metadata.name": "x" } } } });
    routes.set("PATCH /api/v1/namespaces/nc-ab-x/pods/b", { status: 200, body: {} });
    await client.labelPod("nc-ab-x", "b", { pod: "b", owner: "run" });
    assert.equal(requests[1].contentType, "application/merge-patch+json");
    assert.deepEqual(requests[1].body, { metadata: { labels: { pod: "b", owner: "run", pod2: null } } });
  });

  it("reads pods: Ready, a waiting reason, and gone", async () => {
    routes.set("GET /api/v1/namespaces/n/pods/ok", { status: 200, body: { status: { phase: "Running", conditions: [{ type: "Ready", status: "True" }] } } });
    routes.set("GET /api/v1/namespaces/n/pods/stuck", { status: 200, body: { status: { phase: "Pending", containerStatuses: [{ state: { waiting: { reason: "ErrImageNeverPull", message: "not present" } } }] } } });
    assert.deepEqual(await client.podStatus("n", "ok"), { phase: "Running", ready: true });
    assert.deepEqual(await client.podStatus("n", "stuck"), { phase: "Pending", ready: false, reason: "ErrImageNeverPull: not present" });
    assert.equal(await client.podStatus("n", "gone"), undefined);
  });

  it("deletes pods at once, reads namespaces' state, and lists node images unless RBAC forbids it", async () => {
    routes.set("DELETE /api/v1/namespaces/n/pods/a", { status: 200, body: {} });
    await client.deletePod("n", "a");
    assert.deepEqual(requests[0].body, { apiVersion: "v1", kind: "DeleteOptions", gracePeriodSeconds: 0 });
    routes.set("GET /api/v1/namespaces/t", { status: 200, body: { metadata: { labels: { a: "b" } }, status: { phase: "Terminating" } } });
    assert.deepEqual(await client.namespaceState("t"), { state: "terminating", labels: { a: "b" } });
    assert.deepEqual(await client.namespaceState("none"), { state: "absent", labels: {} });
    routes.set("GET /api/v1/nodes", { status: 200, body: { items: [{ status: { images: [{ names: ["localhost/agnhost:2.59"] }] } }], metadata: {} } });
    assert.deepEqual(await client.nodeImages(), [["localhost/agnhost:2.59"]]);
    routes.set("GET /api/v1/nodes", status(403, "nodes is forbidden"));
    assert.equal(await client.nodeImages(), undefined);
  });

  it("fails with the server's message on a refused create", async () => {
    routes.set("POST /api/v1/namespaces", status(409, 'namespaces "nc-ab-x" already exists'));
    await assert.rejects(client.createNamespace({ apiVersion: "v1", kind: "Namespace", metadata: { name: "nc-ab-x" } }), /refused POST \/api\/v1\/namespaces \(HTTP 409: namespaces "nc-ab-x" already exists\)/);
  });
});

describe("conformance: what the cluster returns means what was applied", () => {
  const names = new RunNames("ab12cd34");
  const c = fixtureCase("should-enforce-policy-based-on-podselector-and-namespaceselector");
  const applied = clusterState(stateAfter(c, 1), names, "agnhost");

  it("sees the API server's defaults as no difference", () => {
    assert.deepEqual(readBackProblems(applied, readBackOf(c, 1, names)), []);
    const bare = { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "p", namespace: "n" }, spec: { podSelector: {}, ingress: [{ ports: [{ port: 80 }] }] } };
    const defaulted = { ...bare, spec: { podSelector: { matchLabels: {} }, ingress: [{ ports: [{ port: 80, protocol: "TCP" }] }], policyTypes: ["Ingress"] } };
    assert.equal(policyMeaning(bare), policyMeaning(defaulted));
  });

  it("names a dropped peer, changed labels and a policy the case does not have", () => {
    const back = readBackOf(c, 1, names);
    const policy = back.networkPolicies[0] as any;
    delete policy.spec.ingress[0].from;
    back.pods[0].metadata.labels = { ...back.pods[0].metadata.labels, extra: "1" };
    back.networkPolicies.push({ apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "stranger", namespace: "nc-ab12cd34-y" }, spec: { podSelector: {} } });
    const problems = readBackProblems(applied, back);
    assert.equal(problems.length, 3);
    assert.match(problems[0], /^pod nc-ab12cd34-x\/a has labels .*"extra","1".*, not /);
    assert.match(problems[1], /^NetworkPolicy nc-ab12cd34-x\/allow-ns-y-podselector-and-nsselector reads back as \{"podSelector":\{"matchLabels":\{"pod":"a"\}\},"ingress":\[\{\}\]/);
    assert.equal(problems[2], "NetworkPolicy nc-ab12cd34-y/stranger is not the case's");
  });
});
