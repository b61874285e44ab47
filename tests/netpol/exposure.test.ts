/**
 * Exposure, worked from the NetworkPolicy semantics in the Kubernetes documentation: who could
 * reach a destination, existing pods or not, read from the policies alone.
 */
import { strict as assert } from "node:assert";
import { computeExposure, describeWay, type ClusterModel, type NetworkPolicy, type PodInfo } from "../../core/netpol";

const api: PodInfo = { namespace: "shop", name: "api", labels: { app: "api" }, ports: [{ containerPort: 8080, name: "http" }, { containerPort: 9090, name: "metrics" }] };
const policy = (name: string, spec: NetworkPolicy["spec"]): NetworkPolicy => ({ metadata: { name, namespace: "shop" }, spec });
const model = (...policies: NetworkPolicy[]): ClusterModel => ({ namespaces: [{ name: "shop", labels: { "kubernetes.io/metadata.name": "shop" } }], pods: [api], policies });
const text = (m: ClusterModel, port = 8080) =>
  computeExposure(m)
    .filter((e) => e.port === port)
    .flatMap((e) => e.ways.map((w) => describeWay(w, e.port, e.protocol)));

describe("netpol: exposure (who could reach a destination)", () => {
  it("a pod no policy selects for ingress is open to anyone (pods are non-isolated by default)", () => {
    assert.deepEqual(text(model()), ["anyone, TCP 8080 (no policy isolates it for ingress)"]);
    // An Egress-only policy does not isolate ingress.
    assert.deepEqual(text(model(policy("egress-only", { podSelector: {}, policyTypes: ["Egress"] }))), ["anyone, TCP 8080 (no policy isolates it for ingress)"]);
  });

  it("default deny ingress: isolated, and nothing opens it", () => {
    assert.deepEqual(computeExposure(model(policy("deny", { podSelector: {}, policyTypes: ["Ingress"] })))[0].ways, []);
  });

  it("one peer with namespaceSelector AND podSelector is one way in that needs both", () => {
    const m = model(
      policy("p", {
        podSelector: { matchLabels: { app: "api" } },
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { project: "critical-project" } }, podSelector: { matchLabels: { role: "client" } } }], ports: [{ port: 8080 }] }],
      }),
    );
    assert.deepEqual(text(m), ["any pod with role=client in a namespace with project=critical-project, TCP 8080 (shop/p)"]);
  });

  it("two peers are ORed: two separate ways in (the tutorial's trap)", () => {
    const m = model(policy("p", { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { project: "x" } } }, { podSelector: { matchLabels: { role: "client" } } }] }] }));
    assert.deepEqual(text(m), ["any pod in a namespace with project=x, TCP 8080 (shop/p)", "any pod with role=client in a namespace with kubernetes.io/metadata.name=shop, TCP 8080 (shop/p)"]);
  });

  it("an empty namespaceSelector means every namespace; an empty from means any source", () => {
    const m = model(
      policy("all-ns", { podSelector: {}, ingress: [{ from: [{ namespaceSelector: {}, podSelector: { matchLabels: { role: "monitor" } } }], ports: [{ port: "metrics" }] }] }),
      policy("open", { podSelector: {}, ingress: [{ ports: [{ port: 8080 }] }] }),
    );
    assert.deepEqual(text(m, 9090), ["any pod with role=monitor in any namespace, TCP 9090 (shop/all-ns)"]);
    assert.deepEqual(text(m, 8080), ["anyone, TCP 8080 (shop/open admits every source)"]);
  });

  it("ipBlock peers are IP ranges with their exceptions", () => {
    const m = model(policy("lb", { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: "10.0.0.0/8", except: ["10.1.0.0/16"] } }], ports: [{ protocol: "TCP", port: 8080 }] }] }));
    assert.deepEqual(text(m), ["IP range 10.0.0.0/8 except 10.1.0.0/16, TCP 8080 (shop/lb)"]);
    assert.deepEqual(computeExposure(m).find((e) => e.port === 9090)?.ways, [], "the rule's port does not open 9090");
  });

  it("policies are additive: every selecting policy's rules are ways in", () => {
    const m = model(
      policy("a", { podSelector: { matchLabels: { app: "api" } }, ingress: [{ from: [{ podSelector: { matchLabels: { role: "a" } } }] }] }),
      policy("b", { podSelector: {}, ingress: [{ from: [{ podSelector: { matchLabels: { role: "b" } } }] }] }),
    );
    assert.equal(text(m).length, 2);
  });
});
