import { strict as assert } from "node:assert";
import { lintModel, lintPolicy } from "../../core/netpol";
import { model, np, ns, pod } from "./helpers";

const trap = np("pricing-ns", "prices-api-network-policy", {
  podSelector: { matchLabels: { app: "prices-api" } },
  ingress: [{ from: [{ namespaceSelector: { matchLabels: { project: "critical-project" } } }, { podSelector: { matchLabels: { app: "prices-api-consumer" } } }] }],
});

describe("netpol lint", () => {
  it("or-trap: a namespaceSelector-only peer next to a podSelector-only peer", () => {
    const w = lintPolicy(trap);
    assert.deepEqual(w.map((x) => [x.code, x.field, x.namespace, x.policy]), [["or-trap", "spec.ingress[0].from", "pricing-ns", "prices-api-network-policy"]]);
    assert.match(w[0].message, /ORs/);
    assert.match(w[0].message, /ONE peer/);
    assert.match(w[0].message, /namespaceSelector: \{"matchLabels":\{"project":"critical-project"\}\}, podSelector: \{"matchLabels":\{"app":"prices-api-consumer"\}\}/);
  });

  it("no or-trap for the single-peer form, or for egress without the pattern", () => {
    const fixed = np("pricing-ns", "ok", {
      podSelector: {},
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { project: "x" } }, podSelector: { matchLabels: { app: "y" } } }] }],
      egress: [{ to: [{ podSelector: {} }, { ipBlock: { cidr: "10.0.0.0/8" } }] }],
      policyTypes: ["Ingress", "Egress"],
    });
    assert.deepEqual(lintPolicy(fixed), []);
  });

  it("or-trap also applies to egress `to`", () => {
    const p = np("a", "e", { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [{ podSelector: { matchLabels: { a: "b" } } }, { namespaceSelector: {} }] }] });
    assert.deepEqual(lintPolicy(p).map((w) => [w.code, w.field]), [["or-trap", "spec.egress[0].to"]]);
  });

  it("egress-without-policy-types: egress rules with policyTypes omitted", () => {
    const p = np("a", "e", { podSelector: {}, egress: [{ to: [{ podSelector: {} }] }] });
    assert.deepEqual(lintPolicy(p).map((w) => w.code), ["egress-without-policy-types"]);
    assert.deepEqual(lintPolicy(np("a", "e", { podSelector: {}, policyTypes: ["Egress"], egress: [{}] })), []);
    assert.deepEqual(lintPolicy(np("a", "e", { podSelector: {} })), []);
  });

  it("selects-no-pod, unresolved-named-port and no-default-deny need the cluster", () => {
    const api = pod("pricing-ns", "prices-api", { app: "prices-api" }, [{ containerPort: 8080, name: "http" }]);
    const c = pod("critical-project", "c", { app: "prices-api-consumer" }, [{ containerPort: 53, name: "dns", protocol: "UDP" }]);
    const m = model([ns("pricing-ns"), ns("critical-project", { project: "critical-project" })], [api, c], [
      np("pricing-ns", "deny", { podSelector: {}, policyTypes: ["Ingress"] }),
      np("pricing-ns", "ghost", { podSelector: { matchLabels: { app: "nothing" } }, ingress: [{}] }),
      np("pricing-ns", "ports", {
        podSelector: { matchLabels: { app: "prices-api" } },
        policyTypes: ["Ingress", "Egress"],
        ingress: [{ ports: [{ port: "http" }, { port: "https" }, { port: "http", protocol: "UDP" }] }],
        egress: [{ to: [{ namespaceSelector: {} }], ports: [{ port: "dns", protocol: "UDP" }, { port: "dns" }] }],
      }),
    ]);
    const w = lintModel(m).map((x) => `${x.code} ${x.namespace ?? ""}/${x.policy ?? ""} ${x.field ?? ""}`);
    assert.deepEqual(w, [
      "selects-no-pod pricing-ns/ghost spec.podSelector",
      "unresolved-named-port pricing-ns/ports spec.ingress[0].ports[1].port",
      "unresolved-named-port pricing-ns/ports spec.ingress[0].ports[2].port",
      "unresolved-named-port pricing-ns/ports spec.egress[0].ports[1].port",
      "no-default-deny critical-project/ ",
    ]);
  });

  it("unresolved-named-port on egress counts only pods the rule's peers match", () => {
    const client = pod("shop", "client", { app: "client" });
    const web = pod("shop", "web", { app: "web" }, [{ containerPort: 5432, name: "pg" }]);
    const egressToDb = np("shop", "to-db", { podSelector: { matchLabels: { app: "client" } }, policyTypes: ["Egress"], egress: [{ to: [{ podSelector: { matchLabels: { app: "db" } } }], ports: [{ port: "pg" }] }] });
    const warned = (pods: ReturnType<typeof pod>[]) => lintModel(model([ns("shop")], pods, [egressToDb])).filter((w) => w.code === "unresolved-named-port").map((w) => w.field);
    assert.deepEqual(warned([client, web]), ["spec.egress[0].ports[0].port"], "web declares pg but is no peer of the rule");
    assert.deepEqual(warned([client, web, pod("shop", "db", { app: "db" }, [{ containerPort: 5432, name: "pg" }])]), []);
    assert.deepEqual(warned([client, web, pod("shop", "db", { app: "db" }, [{ containerPort: 5432, name: "pg", protocol: "UDP" }])]), ["spec.egress[0].ports[0].port"], "TCP pg asked, UDP pg declared");
  });

  it("no-default-deny is satisfied only by empty podSelector + Ingress + no ingress rules", () => {
    const p = pod("a", "p");
    const lintDeny = (spec: Parameters<typeof np>[2]) => lintModel(model([ns("a")], [p], [np("a", "d", spec)])).filter((w) => w.code === "no-default-deny").length;
    assert.equal(lintDeny({ podSelector: {} }), 0);
    assert.equal(lintDeny({ podSelector: {}, policyTypes: ["Ingress", "Egress"], ingress: [] }), 0);
    assert.equal(lintDeny({ podSelector: {}, ingress: [{}] }), 1);
    assert.equal(lintDeny({ podSelector: {}, policyTypes: ["Egress"] }), 1);
    assert.equal(lintDeny({ podSelector: { matchLabels: { x: "y" } } }), 1);
    assert.equal(lintModel(model([ns("empty")], [], [])).length, 0, "namespaces without pods need none");
  });
});
