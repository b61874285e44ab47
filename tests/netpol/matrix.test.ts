import { strict as assert } from "node:assert";
import { computeMatrix, evaluateConnection } from "../../core/netpol";
import { model, np, ns, pod } from "./helpers";

describe("netpol matrix", () => {
  const pods = [
    pod("a", "web-2", { app: "web" }, [{ containerPort: 80, name: "http" }, { containerPort: 53, protocol: "UDP" }]),
    pod("a", "web-1", { app: "web" }, [{ containerPort: 80, name: "http" }, { containerPort: 53, protocol: "UDP" }]),
    pod("a", "web-3", { app: "web" }, [{ containerPort: 80, name: "http" }, { containerPort: 53, protocol: "UDP" }]),
    pod("b", "client-1", { app: "client" }),
    pod("b", "client-2", { app: "client" }),
    pod("b", "api", { app: "api" }, [{ containerPort: 8080 }]),
  ];
  const m = model([ns("a"), ns("b", { team: "b" })], pods, [
    np("a", "deny", { podSelector: {} }),
    np("a", "http-from-b", { podSelector: { matchLabels: { app: "web" } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: "b" } }, podSelector: { matchLabels: { app: "client" } } }], ports: [{ port: "http" }] }] }),
  ]);

  it("has one entry per ordered pair of distinct pods and per destination port", () => {
    const mx = computeMatrix(m);
    const list = [...mx.connections()];
    // 3 web pods × 2 ports × 5 sources + api × 1 port × 5 sources; clients declare no port.
    assert.equal(mx.count, 3 * 2 * 5 + 5);
    assert.equal(list.length, mx.count);
    assert.ok(list.every((c) => c.from !== c.to));
    assert.ok(!list.some((c) => c.to.startsWith("b/client")));
  });

  it("folds pods with identical namespace, labels and ports into classes", () => {
    const mx = computeMatrix(m);
    assert.equal(mx.pods.length, 6);
    assert.equal(mx.classes, 3);
  });

  it("yields in a stable order: destination, then source, then port", () => {
    const list = [...computeMatrix(m).connections()];
    const keys = list.map((c) => `${c.to}|${c.from}|${c.port}`);
    assert.deepEqual(keys.slice(0, 4), ["a/web-1|a/web-2|80", "a/web-1|a/web-2|53", "a/web-1|a/web-3|80", "a/web-1|a/web-3|53"]);
    assert.deepEqual(list.map((c) => c.to).filter((t, i, arr) => arr.indexOf(t) === i), ["a/web-1", "a/web-2", "a/web-3", "b/api"]);
    assert.deepEqual([...computeMatrix(m).connections()].map((c) => `${c.to}|${c.from}|${c.port}`), keys);
  });

  it("agrees with evaluateConnection on every entry, including reasons", () => {
    const byId = new Map(pods.map((p) => [`${p.namespace}/${p.name}`, p]));
    for (const c of computeMatrix(m).connections()) {
      const v = evaluateConnection(m, byId.get(c.from)!, byId.get(c.to)!, c.port, c.protocol);
      assert.equal(c.allowed, v.allowed, `${c.from} -> ${c.to}:${c.port}`);
      assert.deepEqual(c.ingress, v.ingress);
      assert.deepEqual(c.egress, v.egress);
      assert.equal(c.reason.replace(/ \(\w+\)/, ""), v.reason.replace(/ \(\w+\)/, ""));
    }
  });

  it("reports the named port and protocol, and serialises to plain JSON", () => {
    const list = [...computeMatrix(m).connections()];
    const c = list.find((x) => x.from === "b/client-1" && x.to === "a/web-1" && x.port === 80)!;
    assert.equal(c.portName, "http");
    assert.equal(c.protocol, "TCP");
    assert.equal(c.allowed, true);
    const u = list.find((x) => x.from === "b/client-1" && x.to === "a/web-1" && x.port === 53)!;
    assert.equal(u.protocol, "UDP");
    assert.equal(u.allowed, false);
    const json = JSON.parse(JSON.stringify(c));
    assert.equal(json.reason, c.reason);
    assert.equal(json.portName, "http");
  });
});

describe("netpol matrix edge cases", () => {
  it("is empty for zero or one pod, and for destinations without ports", () => {
    assert.deepEqual([...computeMatrix(model([], [], [])).connections()], []);
    const one = computeMatrix(model([], [pod("a", "x", {}, [{ containerPort: 80 }])], []));
    assert.equal(one.count, 0);
    assert.deepEqual([...one.connections()], []);
    const noPorts = computeMatrix(model([], [pod("a", "x"), pod("a", "y")], []));
    assert.equal(noPorts.count, 0);
    assert.deepEqual([...noPorts.connections()], []);
  });

  it("can be iterated more than once and yields distinct objects", () => {
    const mx = computeMatrix(model([], [pod("a", "x", {}, [{ containerPort: 80 }]), pod("a", "y", {}, [{ containerPort: 81 }]), pod("b", "z")], []));
    const first = [...mx.connections()];
    const second = [...mx.connections()];
    assert.equal(first.length, 4);
    assert.notEqual(first[0], first[1]);
    assert.deepEqual(first.map((c) => `${c.from}>${c.to}:${c.port}`), ["a/y>a/x:80", "b/z>a/x:80", "a/x>a/y:81", "b/z>a/y:81"]);
    assert.deepEqual(second.map((c) => c.to), first.map((c) => c.to));
  });
});
