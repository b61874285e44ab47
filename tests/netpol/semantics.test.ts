import { strict as assert } from "node:assert";
import { ConnectivityEngine, evaluateConnection, type ClusterModel, type PodInfo, type Protocol } from "../../core/netpol";
import { model, np, ns, pod } from "./helpers";

const web = pod("a", "web", { app: "web" }, [{ containerPort: 80, name: "http" }]);
const db = pod("a", "db", { app: "db" }, [{ containerPort: 5432, name: "pg" }]);
const client = pod("b", "client", { app: "client" }, [{ containerPort: 8080 }]);

function allowed(m: ClusterModel, from: PodInfo, to: PodInfo, port: number | string, proto?: Protocol): boolean {
  return evaluateConnection(m, from, to, port, proto).allowed;
}

describe("netpol semantics: isolation and policyTypes", () => {
  it("allows everything when no policy selects the pods", () => {
    const m = model([ns("a"), ns("b")], [web, db, client], []);
    const v = evaluateConnection(m, client, web, 80);
    assert.equal(v.allowed, true);
    assert.equal(v.ingress.isolated, false);
    assert.equal(v.egress.isolated, false);
  });

  it("isolates only the directions in policyTypes", () => {
    const m = model([ns("a"), ns("b")], [web, db, client], [
      np("a", "deny-in", { podSelector: {}, policyTypes: ["Ingress"] }),
    ]);
    assert.equal(allowed(m, client, web, 80), false);
    const out = evaluateConnection(m, web, client, 8080);
    assert.equal(out.allowed, true, "egress of web is not isolated and client is not selected");
    assert.equal(out.egress.isolated, false);
  });

  it("isolates egress with policyTypes [Egress] and ignores that policy's ingress rules", () => {
    const m = model([ns("a"), ns("b")], [web, db, client], [
      np("a", "deny-out", { podSelector: {}, policyTypes: ["Egress"], ingress: [{}] }),
    ]);
    assert.equal(allowed(m, web, client, 8080), false);
    const v = evaluateConnection(m, client, web, 80);
    assert.equal(v.ingress.isolated, false);
    assert.equal(v.allowed, true);
  });

  it("defaults omitted policyTypes to Ingress only when spec.egress is empty or absent", () => {
    for (const egress of [undefined, []]) {
      const m = model([ns("a"), ns("b")], [web, client], [np("a", "p", { podSelector: {}, egress })]);
      assert.equal(allowed(m, client, web, 80), false, "ingress isolated by default");
      assert.equal(allowed(m, web, client, 8080), true, "egress not isolated when egress has no rule");
    }
  });

  it("defaults omitted (or empty) policyTypes to Ingress+Egress when spec.egress has a rule", () => {
    for (const policyTypes of [undefined, []]) {
      const m = model([ns("a"), ns("b")], [web, db, client], [
        np("a", "p", { podSelector: { matchLabels: { app: "web" } }, policyTypes, egress: [{ to: [{ podSelector: { matchLabels: { app: "db" } } }] }] }),
      ]);
      assert.equal(allowed(m, web, db, 5432), true);
      assert.equal(allowed(m, web, client, 8080), false, "egress isolated");
      assert.equal(allowed(m, client, web, 80), false, "ingress isolated, no ingress rule");
    }
  });

  it("only applies policies of the pod's own namespace", () => {
    const m = model([ns("a"), ns("b")], [web, client], [np("b", "deny-all-in-b", { podSelector: {} })]);
    assert.equal(allowed(m, client, web, 80), true);
    assert.equal(allowed(m, web, client, 8080), false);
  });

  it("requires egress of the source AND ingress of the destination", () => {
    const m = model([ns("a"), ns("b")], [web, client], [
      np("a", "allow-in", { podSelector: {}, ingress: [{}] }),
      np("b", "deny-out", { podSelector: {}, policyTypes: ["Egress"] }),
    ]);
    const v = evaluateConnection(m, client, web, 80);
    assert.equal(v.ingress.allowed, true);
    assert.equal(v.egress.allowed, false);
    assert.equal(v.allowed, false);
    assert.match(v.reason, /^denied: egress from b\/client is isolated by b\/deny-out/);
  });

  it("unions the allows of every policy selecting a pod (additive)", () => {
    const m = model([ns("a"), ns("b", { team: "b" })], [web, db, client], [
      np("a", "deny", { podSelector: {} }),
      np("a", "from-db", { podSelector: { matchLabels: { app: "web" } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: "db" } } }] }] }),
      np("a", "from-b", { podSelector: { matchLabels: { app: "web" } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: "b" } } }] }] }),
    ]);
    assert.equal(allowed(m, db, web, 80), true);
    const v = evaluateConnection(m, client, web, 80);
    assert.equal(v.allowed, true);
    assert.deepEqual(v.ingress.policies, ["a/deny", "a/from-db", "a/from-b"]);
    assert.deepEqual(v.ingress.allowedBy, [{ policy: "a/from-b", rule: 0 }]);
    assert.equal(allowed(m, web, db, 5432), false, "db only selected by deny");
  });
});

describe("netpol semantics: peers", () => {
  const nsA = ns("a", { env: "prod" });
  const nsB = ns("b", { env: "prod" });
  const nsC = ns("c", { env: "dev" });
  const aX = pod("a", "x", { app: "x" }, [{ containerPort: 80 }]);
  const aY = pod("a", "y", { app: "y" });
  const bX = pod("b", "x", { app: "x" });
  const bY = pod("b", "y", { app: "y" });
  const cX = pod("c", "x", { app: "x" });
  const all = [aX, aY, bX, bY, cX];
  const target = { matchLabels: { app: "x" } };
  const withFrom = (from: import("../../core/netpol").NetworkPolicyPeer[] | undefined) =>
    model([nsA, nsB, nsC], all, [np("a", "p", { podSelector: target, ingress: [{ from }] })]);
  const admitted = (m: ClusterModel) => all.filter((p) => p !== aX && allowed(m, p, aX, 80)).map((p) => `${p.namespace}/${p.name}`);

  it("podSelector alone selects pods of the policy's own namespace", () => {
    assert.deepEqual(admitted(withFrom([{ podSelector: { matchLabels: { app: "y" } } }])), ["a/y"]);
  });
  it("empty podSelector alone selects every pod of the policy's namespace", () => {
    assert.deepEqual(admitted(withFrom([{ podSelector: {} }])), ["a/y"]);
  });
  it("namespaceSelector alone selects every pod of matching namespaces", () => {
    assert.deepEqual(admitted(withFrom([{ namespaceSelector: { matchLabels: { env: "prod" } } }])), ["a/y", "b/x", "b/y"]);
  });
  it("empty namespaceSelector selects every namespace", () => {
    assert.deepEqual(admitted(withFrom([{ namespaceSelector: {} }])), ["a/y", "b/x", "b/y", "c/x"]);
  });
  it("namespaceSelector and podSelector in one peer are ANDed", () => {
    assert.deepEqual(
      admitted(withFrom([{ namespaceSelector: { matchLabels: { env: "prod" } }, podSelector: { matchLabels: { app: "x" } } }])),
      ["b/x"],
    );
    assert.deepEqual(admitted(withFrom([{ namespaceSelector: {}, podSelector: { matchLabels: { app: "x" } } }])), ["b/x", "c/x"]);
  });
  it("separate peers are ORed", () => {
    assert.deepEqual(
      admitted(withFrom([{ namespaceSelector: { matchLabels: { env: "dev" } } }, { podSelector: { matchLabels: { app: "y" } } }])),
      ["a/y", "c/x"],
    );
  });
  it("absent or empty from admits every peer", () => {
    assert.deepEqual(admitted(withFrom(undefined)), ["a/y", "b/x", "b/y", "c/x"]);
    assert.deepEqual(admitted(withFrom([])), ["a/y", "b/x", "b/y", "c/x"]);
  });
  it("an empty ingress list, or a policy without ingress, admits nothing", () => {
    const m1 = model([nsA, nsB, nsC], all, [np("a", "p", { podSelector: target, ingress: [] })]);
    const m2 = model([nsA, nsB, nsC], all, [np("a", "p", { podSelector: target, policyTypes: ["Ingress"] })]);
    assert.deepEqual(admitted(m1), []);
    assert.deepEqual(admitted(m2), []);
  });
  it("egress peers follow the same rules (to)", () => {
    const m = model([nsA, nsB, nsC], all, [
      np("b", "out", { podSelector: { matchLabels: { app: "y" } }, policyTypes: ["Egress"], egress: [{ to: [{ podSelector: {} }] }] }),
    ]);
    assert.equal(allowed(m, bY, bX, 80), true);
    assert.equal(allowed(m, bY, aX, 80), false);
  });
  it("matches namespaces by the kubernetes.io/metadata.name label even when the model omits it", () => {
    const m = model([ns("a"), ns("b"), ns("c")], all, [
      np("a", "p", { podSelector: target, ingress: [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "c" } } }] }] }),
    ]);
    assert.deepEqual(admitted(m), ["c/x"]);
  });
  it("gives undeclared namespaces an implicit name label only", () => {
    const m = model([], all, [
      np("a", "p", { podSelector: target, ingress: [{ from: [{ namespaceSelector: { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: ["b"] }] } }] }] }),
    ]);
    assert.deepEqual(admitted(m), ["b/x", "b/y"]);
    const m2 = model([], all, [np("a", "p", { podSelector: target, ingress: [{ from: [{ namespaceSelector: { matchLabels: { env: "prod" } } }] }] })]);
    assert.deepEqual(admitted(m2), []);
  });
  it("treats objects without a namespace as in default", () => {
    const p = { name: "nons", labels: { app: "x" }, ports: [{ containerPort: 80 }] } as unknown as PodInfo;
    const q = pod("default", "q", {});
    const m = model([], [p, q], [np("default", "deny", { podSelector: {} })]);
    assert.equal(allowed(m, q, p, 80), false);
    const v = evaluateConnection(m, q, p, 80);
    assert.deepEqual(v.ingress.policies, ["default/deny"]);
  });
});

describe("netpol semantics: the tutorial OR trap (pricing-ns)", () => {
  const pricing = ns("pricing-ns");
  const critical = ns("critical-project", { project: "critical-project" });
  const other = ns("other");
  const api = pod("pricing-ns", "prices-api", { app: "prices-api" }, [{ containerPort: 8080, name: "http" }]);
  const consumerHere = pod("pricing-ns", "consumer", { app: "prices-api-consumer" });
  const randomHere = pod("pricing-ns", "random", { app: "random" });
  const consumerCritical = pod("critical-project", "consumer", { app: "prices-api-consumer" });
  const randomCritical = pod("critical-project", "x", { app: "random" });
  const consumerOther = pod("other", "consumer", { app: "prices-api-consumer" });
  const pods = [api, consumerHere, randomHere, consumerCritical, randomCritical, consumerOther];
  const nsSel = { namespaceSelector: { matchLabels: { project: "critical-project" } } };
  const podSel = { podSelector: { matchLabels: { app: "prices-api-consumer" } } };
  const admittedBy = (from: import("../../core/netpol").NetworkPolicyPeer[]) => {
    const m = model([pricing, critical, other], pods, [
      np("pricing-ns", "prices-api-network-policy", { podSelector: { matchLabels: { app: "prices-api" } }, policyTypes: ["Ingress"], ingress: [{ from, ports: [{ protocol: "TCP", port: 8080 }] }] }),
    ]);
    return pods.filter((p) => p !== api && allowed(m, p, api, 8080)).map((p) => `${p.namespace}/${p.name}`);
  };

  it("two peers admit all of critical-project OR consumers in pricing-ns", () => {
    assert.deepEqual(admittedBy([nsSel, podSel]), ["pricing-ns/consumer", "critical-project/consumer", "critical-project/x"]);
  });
  it("one peer with both selectors admits only consumers in critical-project", () => {
    assert.deepEqual(admittedBy([{ ...nsSel, ...podSel }]), ["critical-project/consumer"]);
  });
  it("explains a denial naming the isolating policies, the peer and the port", () => {
    const m = model([pricing, critical, other], pods, [
      np("pricing-ns", "default-deny-ingress", { podSelector: {}, policyTypes: ["Ingress"] }),
      np("pricing-ns", "prices-api-network-policy", { podSelector: { matchLabels: { app: "prices-api" } }, ingress: [{ from: [{ ...nsSel, ...podSel }], ports: [{ port: 8080 }] }] }),
    ]);
    const v = evaluateConnection(m, randomCritical, api, 8080);
    assert.equal(v.allowed, false);
    assert.equal(
      v.reason,
      "denied: ingress to pricing-ns/prices-api is isolated by pricing-ns/default-deny-ingress, pricing-ns/prices-api-network-policy and no rule admits critical-project/x on TCP/8080",
    );
    const ok = evaluateConnection(m, consumerCritical, api, 8080);
    assert.equal(ok.allowed, true);
    assert.deepEqual(ok.ingress.allowedBy, [{ policy: "pricing-ns/prices-api-network-policy", rule: 0 }]);
    assert.match(ok.reason, /^allowed/);
  });
});

describe("netpol semantics: label selectors", () => {
  const target = pod("a", "t", { role: "t" }, [{ containerPort: 80 }]);
  const src = (labels: Record<string, string>) => pod("a", "s", labels);
  const check = (sel: import("../../core/netpol").LabelSelector, labels: Record<string, string>) =>
    allowed(model([ns("a")], [target], [np("a", "p", { podSelector: { matchLabels: { role: "t" } }, ingress: [{ from: [{ podSelector: sel }] }] })]), src(labels), target, 80);

  it("matchLabels requires every pair", () => {
    assert.equal(check({ matchLabels: { a: "1", b: "2" } }, { a: "1", b: "2", c: "3" }), true);
    assert.equal(check({ matchLabels: { a: "1", b: "2" } }, { a: "1" }), false);
    assert.equal(check({ matchLabels: { a: "1" } }, { a: "2" }), false);
  });
  it("In requires the key with a listed value", () => {
    const sel = { matchExpressions: [{ key: "a", operator: "In" as const, values: ["1", "2"] }] };
    assert.equal(check(sel, { a: "2" }), true);
    assert.equal(check(sel, { a: "3" }), false);
    assert.equal(check(sel, {}), false);
  });
  it("NotIn matches when the key is absent or has another value", () => {
    const sel = { matchExpressions: [{ key: "a", operator: "NotIn" as const, values: ["1"] }] };
    assert.equal(check(sel, {}), true);
    assert.equal(check(sel, { a: "2" }), true);
    assert.equal(check(sel, { a: "1" }), false);
  });
  it("Exists and DoesNotExist test the key only", () => {
    assert.equal(check({ matchExpressions: [{ key: "a", operator: "Exists" }] }, { a: "" }), true);
    assert.equal(check({ matchExpressions: [{ key: "a", operator: "Exists" }] }, { b: "1" }), false);
    assert.equal(check({ matchExpressions: [{ key: "a", operator: "DoesNotExist" }] }, { b: "1" }), true);
    assert.equal(check({ matchExpressions: [{ key: "a", operator: "DoesNotExist" }] }, { a: "1" }), false);
  });
  it("ANDs matchLabels with matchExpressions", () => {
    const sel = { matchLabels: { a: "1" }, matchExpressions: [{ key: "b", operator: "DoesNotExist" as const }] };
    assert.equal(check(sel, { a: "1" }), true);
    assert.equal(check(sel, { a: "1", b: "x" }), false);
    assert.equal(check(sel, { b: "x" }), false);
  });
  it("an empty selector matches every pod, even unlabeled ones", () => {
    assert.equal(check({}, {}), true);
  });
});

describe("netpol semantics: ports", () => {
  const srv = pod("a", "srv", { app: "srv" }, [
    { containerPort: 8080, name: "http" },
    { containerPort: 53, name: "dns", protocol: "UDP" },
    { containerPort: 9000, name: "sctp-port", protocol: "SCTP" },
  ]);
  const other = pod("a", "other", { app: "other" }, [{ containerPort: 8080, name: "web" }, { containerPort: 53, name: "dns", protocol: "TCP" }]);
  const cli = pod("a", "cli", { app: "cli" });
  const inModel = (ports: import("../../core/netpol").NetworkPolicyPort[] | undefined) =>
    model([ns("a")], [srv, other, cli], [np("a", "p", { podSelector: {}, ingress: [{ ports }] })]);

  it("absent or empty ports admit every port and protocol", () => {
    for (const ports of [undefined, []]) {
      const m = inModel(ports);
      assert.equal(allowed(m, cli, srv, 8080), true);
      assert.equal(allowed(m, cli, srv, 53, "UDP"), true);
      assert.equal(allowed(m, cli, srv, 9000, "SCTP"), true);
    }
  });
  it("defaults a rule port's protocol to TCP", () => {
    const m = inModel([{ port: 8080 }]);
    assert.equal(allowed(m, cli, srv, 8080), true);
    assert.equal(allowed(m, cli, srv, 8080, "TCP"), true);
    assert.equal(allowed(m, cli, srv, 8080, "UDP"), false);
    assert.equal(allowed(m, cli, srv, 8081), false);
  });
  it("a protocol without port admits every port of that protocol only", () => {
    const m = inModel([{ protocol: "UDP" }]);
    assert.equal(allowed(m, cli, srv, 53, "UDP"), true);
    assert.equal(allowed(m, cli, srv, 12345, "UDP"), true);
    assert.equal(allowed(m, cli, srv, 53, "TCP"), false);
    const sctp = inModel([{ protocol: "SCTP", port: 9000 }]);
    assert.equal(allowed(sctp, cli, srv, 9000, "SCTP"), true);
    assert.equal(allowed(sctp, cli, srv, 9000, "TCP"), false);
  });
  it("endPort makes an inclusive range", () => {
    const m = inModel([{ port: 8000, endPort: 8080 }]);
    assert.equal(allowed(m, cli, srv, 8000), true);
    assert.equal(allowed(m, cli, srv, 8080), true);
    assert.equal(allowed(m, cli, srv, 7999), false);
    assert.equal(allowed(m, cli, srv, 8081), false);
  });
  it("a named ingress port resolves on the selected (destination) pod, by name and protocol", () => {
    const m = inModel([{ port: "http" }]);
    assert.equal(allowed(m, cli, srv, 8080), true);
    assert.equal(allowed(m, cli, other, 8080), false, "other names 8080 'web', not 'http'");
    const dns = inModel([{ port: "dns", protocol: "UDP" }]);
    assert.equal(allowed(dns, cli, srv, 53, "UDP"), true);
    assert.equal(allowed(dns, cli, other, 53, "TCP"), false, "other's dns port is TCP");
    const dnsTcp = inModel([{ port: "dns" }]);
    assert.equal(allowed(dnsTcp, cli, srv, 53, "UDP"), false, "rule protocol defaults to TCP; srv's dns is UDP");
    assert.equal(allowed(dnsTcp, cli, other, 53, "TCP"), true);
  });
  it("a named egress port resolves on the peer (destination) pod", () => {
    const m = model([ns("a")], [srv, other, cli], [
      np("a", "out", { podSelector: { matchLabels: { app: "cli" } }, policyTypes: ["Egress"], egress: [{ ports: [{ port: "http" }] }] }),
    ]);
    assert.equal(allowed(m, cli, srv, 8080), true);
    assert.equal(allowed(m, cli, other, 8080), false);
  });
  it("evaluates a named connection port against the destination's container ports", () => {
    const m = inModel([{ port: 8080 }]);
    const v = evaluateConnection(m, cli, srv, "http");
    assert.equal(v.allowed, true);
    assert.match(v.reason, /TCP\/8080 \(http\)/);
    assert.equal(evaluateConnection(m, cli, srv, "dns").allowed, false, "dns is UDP/53, rule is TCP/8080");
    const missing = evaluateConnection(m, cli, srv, "nope");
    assert.equal(missing.allowed, false);
    assert.match(missing.reason, /declares no port named "nope"/);
  });
});

describe("netpol semantics: ipBlock", () => {
  const target = pod("a", "t", { app: "t" }, [{ containerPort: 80 }]);
  const p1 = pod("b", "p1", {}, [], "10.0.1.5");
  const p2 = pod("b", "p2", {}, [], "10.0.2.5");
  const p3 = pod("b", "p3", {}, [], "192.168.0.1");
  const p6 = pod("b", "p6", {}, [], "fd00::1:5");
  const noIp = pod("b", "noip", {});
  const pods = [target, p1, p2, p3, p6, noIp];
  const admitted = (ipBlock: import("../../core/netpol").IPBlock) => {
    const m = model([ns("a"), ns("b")], pods, [np("a", "p", { podSelector: {}, ingress: [{ from: [{ ipBlock }] }] })]);
    return pods.filter((p) => p !== target && allowed(m, p, target, 80)).map((p) => p.name);
  };
  it("matches pod IPs inside cidr and outside except", () => {
    assert.deepEqual(admitted({ cidr: "10.0.0.0/16" }), ["p1", "p2"]);
    assert.deepEqual(admitted({ cidr: "10.0.0.0/16", except: ["10.0.2.0/24"] }), ["p1"]);
    assert.deepEqual(admitted({ cidr: "0.0.0.0/0" }), ["p1", "p2", "p3"]);
  });
  it("supports IPv6 and keeps families apart", () => {
    assert.deepEqual(admitted({ cidr: "fd00::/64" }), ["p6"]);
    assert.deepEqual(admitted({ cidr: "::/0" }), ["p6"]);
    assert.deepEqual(admitted({ cidr: "fd00::/64", except: ["fd00::1:0/112"] }), []);
  });
  it("never matches a pod without an IP", () => {
    assert.ok(!admitted({ cidr: "0.0.0.0/0" }).includes("noip"));
  });
  it("applies to egress peers too", () => {
    const m = model([ns("a"), ns("b")], pods, [
      np("b", "out", { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [{ ipBlock: { cidr: "10.0.1.0/24" } }] }] }),
    ]);
    const t2 = pod("a", "t2", {}, [{ containerPort: 80 }], "10.0.1.9");
    assert.equal(allowed(m, p2, t2, 80), true);
    assert.equal(allowed(m, p2, target, 80), false, "target has no IP");
  });
});

describe("netpol engine", () => {
  it("answers for probe pods that are not in the model", () => {
    const m = model([ns("a")], [web], [np("a", "p", { podSelector: {}, ingress: [{ from: [{ podSelector: { matchLabels: { app: "web" } } }] }] })]);
    const e = new ConnectivityEngine(m);
    assert.equal(e.evaluate(pod("a", "probe", { app: "web" }), web, 80).allowed, true);
    assert.equal(e.evaluate(pod("zzz", "probe", { app: "web" }), web, 80).allowed, false);
    assert.equal(e.evaluate(pod("a", "probe2", {}), web, 80).allowed, false);
  });
});

describe("netpol engine: many rules on one pod", () => {
  it("reports every admitting rule when a pod has more than 31 rules", () => {
    const target = pod("a", "t", { app: "t" }, [{ containerPort: 80 }]);
    const rules = Array.from({ length: 40 }, (_, i) => ({ from: [{ podSelector: { matchLabels: { n: String(i % 20) } } }] }));
    const m = model([ns("a")], [target], [np("a", "many", { podSelector: { matchLabels: { app: "t" } }, ingress: rules })]);
    const e = new ConnectivityEngine(m);
    const v = e.evaluate(pod("a", "s", { n: "3" }), target, 80);
    assert.deepEqual(v.ingress.allowedBy, [{ policy: "a/many", rule: 3 }, { policy: "a/many", rule: 23 }]);
    assert.equal(e.evaluate(pod("a", "s", { n: "99" }), target, 80).allowed, false);
    const few = model([ns("a")], [target], [np("a", "few", { podSelector: {}, ingress: rules.slice(0, 25) }), np("a", "more", { podSelector: {}, ingress: rules.slice(0, 6) })]);
    assert.deepEqual(evaluateConnection(few, pod("a", "s", { n: "5" }), target, 80).ingress.allowedBy, [{ policy: "a/few", rule: 5 }, { policy: "a/more", rule: 5 }]);
  });
});
