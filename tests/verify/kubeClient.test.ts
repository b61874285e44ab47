/**
 * The real client (cli/verify/kubeClient.ts) against a tiny stand-in API server on localhost: the
 * requests it makes and how it reads the answers (404s, phases, waiting reasons, endpoints, Status
 * messages). No cluster needed; the server answers only the paths listed here.
 */
import { strict as assert } from "node:assert";
import * as http from "node:http";
import { ClientNodeKubeClient } from "../../cli/verify/kubeClient";
import { standInKubeConfig } from "../standInKubeConfig";

type Route = { status: number; body: unknown };

function status(code: number, message: string): Route {
  return { status: code, body: { kind: "Status", apiVersion: "v1", status: "Failure", message, code } };
}

describe("verify: the real KubeClient against a stand-in API server", () => {
  let server: http.Server;
  let client: ClientNodeKubeClient;
  const routes = new Map<string, Route>();
  const requests: string[] = [];

  before(async () => {
    server = http.createServer((req, res) => {
      const key = `${req.method} ${req.url?.split("?")[0]}`;
      requests.push(`${key}${req.url?.includes("?") ? "?" + req.url.split("?")[1] : ""}`);
      const route = routes.get(key) ?? status(404, `${key} not found`);
      res.writeHead(route.status, { "content-type": typeof route.body === "string" ? "text/plain" : "application/json" });
      res.end(typeof route.body === "string" ? route.body : JSON.stringify(route.body));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const kc = standInKubeConfig(server);
    client = new ClientNodeKubeClient(kc, 5_000);
  });
  after(() => server.close());
  beforeEach(() => {
    routes.clear();
    requests.length = 0;
  });

  it("reads API readiness: available replicas, Service, and only ready endpoints", async () => {
    routes.set("GET /apis/apps/v1/namespaces/pricing-ns/deployments/prices-api-deployment", {
      status: 200,
      body: { kind: "Deployment", spec: { replicas: 2 }, status: { availableReplicas: 1 } },
    });
    routes.set("GET /api/v1/namespaces/pricing-ns/services/prices-api-service", { status: 200, body: { kind: "Service" } });
    routes.set("GET /apis/discovery.k8s.io/v1/namespaces/pricing-ns/endpointslices", {
      status: 200,
      body: {
        kind: "EndpointSliceList",
        items: [{ addressType: "IPv4", endpoints: [{ addresses: ["10.0.0.1"], conditions: { ready: true } }, { addresses: ["10.0.0.2"], conditions: { ready: false } }, { addresses: ["10.0.0.3"] }] }],
      },
    });
    const s = await client.apiStatus("pricing-ns", "prices-api-deployment", "prices-api-service");
    assert.deepEqual(s, { deployment: { desiredReplicas: 2, availableReplicas: 1 }, serviceExists: true, readyEndpoints: 2 });
    assert.ok(requests.some((r) => r.includes("labelSelector=kubernetes.io%2Fservice-name%3Dprices-api-service")), requests.join("\n"));
  });

  it("reports a missing Deployment and Service as missing, not as an error", async () => {
    routes.set("GET /apis/discovery.k8s.io/v1/namespaces/pricing-ns/endpointslices", { status: 200, body: { kind: "EndpointSliceList", items: [] } });
    const s = await client.apiStatus("pricing-ns", "prices-api-deployment", "prices-api-service");
    assert.deepEqual(s, { deployment: undefined, serviceExists: false, readyEndpoints: 0 });
  });

  it("reads namespace states: absent (404), terminating, active with labels", async () => {
    assert.deepEqual(await client.namespaceState("gone"), { state: "absent", labels: {} });
    routes.set("GET /api/v1/namespaces/old", { status: 200, body: { kind: "Namespace", metadata: { name: "old", labels: { a: "b" } }, status: { phase: "Terminating" } } });
    assert.deepEqual(await client.namespaceState("old"), { state: "terminating", labels: { a: "b" } });
    routes.set("GET /api/v1/namespaces/live", { status: 200, body: { kind: "Namespace", metadata: { name: "live" }, status: { phase: "Active" } } });
    assert.deepEqual(await client.namespaceState("live"), { state: "active", labels: {} });
  });

  it("reads pod phases with the waiting reason, and a deleted pod as Gone", async () => {
    routes.set("GET /api/v1/namespaces/default/pods/p", {
      status: 200,
      body: {
        kind: "Pod",
        metadata: { name: "p", labels: { "netpol-verify/run-id": "run1" } },
        status: { phase: "Pending", containerStatuses: [{ name: "probe", state: { waiting: { reason: "ImagePullBackOff", message: "Back-off pulling image" } } }] },
      },
    });
    assert.deepEqual(await client.podState("default", "p"), { phase: "Pending", reason: "ImagePullBackOff: Back-off pulling image", labels: { "netpol-verify/run-id": "run1" } });
    routes.set("GET /api/v1/namespaces/default/pods/q", { status: 200, body: { kind: "Pod", status: { phase: "Succeeded", containerStatuses: [{ name: "probe", state: { terminated: { reason: "Completed", exitCode: 0 } } }] } } });
    assert.deepEqual(await client.podState("default", "q"), { phase: "Succeeded", labels: {} });
    assert.deepEqual(await client.podState("default", "nope"), { phase: "Gone" });
  });

  it("reads logs as text", async () => {
    routes.set("GET /api/v1/namespaces/default/pods/p/log", { status: 200, body: "NETPOL_PROBE exit=0 http_code=200\n" });
    assert.equal(await client.readPodLogs("default", "p"), "NETPOL_PROBE exit=0 http_code=200\n");
  });

  it("creates pods and reports the API's own refusal message", async () => {
    routes.set("POST /api/v1/namespaces/default/pods", { status: 201, body: { kind: "Pod", metadata: { name: "p" } } });
    await client.createPod({ apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "default" } });
    routes.set("POST /api/v1/namespaces/default/pods", status(403, 'pods "p" is forbidden: violates PodSecurity "restricted:latest"'));
    await assert.rejects(client.createPod({ apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "default" } }), /violates PodSecurity "restricted:latest"/);
  });

  it("treats deleting what is already gone as done, and other delete failures as errors", async () => {
    await client.deletePod("default", "gone");
    await client.deleteNamespace("gone");
    routes.set("DELETE /api/v1/namespaces/default/pods/stuck", status(500, "etcdserver: request timed out"));
    await assert.rejects(client.deletePod("default", "stuck"), /etcdserver: request timed out/);
    assert.ok(requests.includes("DELETE /api/v1/namespaces/default/pods/gone?gracePeriodSeconds=0"), requests.join("\n"));
  });
});
