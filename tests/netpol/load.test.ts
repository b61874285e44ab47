import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, symlinkSync, writeFileSync, ftruncateSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  buildModel,
  evaluateConnection,
  loadManifestPaths,
  ManifestError,
  parseManifestText,
  type KubeObject,
  type PodInfo,
} from "../../core/netpol";

const FIXTURES = join(__dirname, "..", "fixtures", "netpol");

describe("netpol load: manifests", () => {
  it("reads directories recursively (.yaml, .yml, .json), multi-document YAML and kind: List", () => {
    const objects = loadManifestPaths([join(FIXTURES, "pricing")]);
    const kinds = objects.map((o) => `${o.object.kind}/${o.object.metadata.name}`);
    assert.deepEqual(kinds, [
      "Namespace/pricing-ns",
      "Namespace/critical-project",
      "ConfigMap/settings",
      "Pod/intruder",
      "Service/prices-api",
      "NetworkPolicy/prices-api-network-policy",
      "Deployment/prices-api",
      "CronJob/consumer",
    ]);
    const cm = objects[2];
    assert.equal(cm.source.document, 4, "empty documents still count");
    assert.ok(cm.source.file.endsWith("namespaces.yaml"));
    assert.equal(objects[3].source.path, "items[0]");
  });

  it("builds a model: workloads become one pod, namespaces get the name label, others are ignored", () => {
    const { model, ignored } = buildModel(loadManifestPaths([join(FIXTURES, "pricing")]));
    assert.deepEqual(
      model.namespaces.map((n) => n.labels),
      [{ "kubernetes.io/metadata.name": "pricing-ns" }, { project: "critical-project", "kubernetes.io/metadata.name": "critical-project" }],
    );
    const api = model.pods.find((p) => p.name === "prices-api") as PodInfo;
    assert.deepEqual(api.labels, { app: "prices-api" });
    assert.deepEqual(api.ports, [{ name: "http", containerPort: 8080 }]);
    assert.match(api.source ?? "", /workloads\.yml#1$/);
    const consumer = model.pods.find((p) => p.name === "consumer") as PodInfo;
    assert.deepEqual(consumer.labels, { app: "prices-api-consumer" });
    assert.equal(consumer.namespace, "critical-project");
    const intruder = model.pods.find((p) => p.name === "intruder") as PodInfo;
    assert.equal(intruder.ip, "10.1.2.3");
    assert.deepEqual(ignored.map((i) => `${i.kind} ${i.name}`), ["ConfigMap pricing-ns/settings", "Service pricing-ns/prices-api"]);
    assert.match(ignored[1].source, /list\.yaml#1\/items\[1\]$/);
    assert.equal(evaluateConnection(model, consumer, api, 8080).allowed, true);
    assert.equal(evaluateConnection(model, intruder, api, 8080).allowed, false);
  });

  it("accepts already-built objects, defaults the namespace to default and validates them", () => {
    const objs: KubeObject[] = [
      { apiVersion: "v1", kind: "Pod", metadata: { name: "p", labels: { a: "b" } }, spec: { containers: [{ ports: [{ containerPort: 80 }] }] } },
      { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "np" }, spec: { podSelector: {} } },
    ];
    const { model } = buildModel(objs);
    assert.equal(model.pods[0].namespace, "default");
    assert.equal(model.policies[0].metadata.namespace, "default");
    assert.match(model.pods[0].source ?? "", /^<stack>#1$/);
    const bad: KubeObject[] = [{ apiVersion: "v1", kind: "NetworkPolicy", metadata: { name: "np" }, spec: { podSelector: {}, policyTypes: ["Inbound"] } }];
    assert.throws(() => buildModel(bad), (e: unknown) => e instanceof ManifestError && e.file === "<stack>" && e.document === 1 && e.field === "spec.policyTypes[0]");
  });

  it("treats a NetworkPolicy without spec as selecting every pod for ingress (API defaulting)", () => {
    const { model } = buildModel(parseManifestText("kind: NetworkPolicy\nmetadata: {name: x, namespace: a}\n", "x.yaml"));
    const p = { namespace: "a", name: "p", labels: {}, ports: [] };
    assert.equal(evaluateConnection(model, p, { ...p, name: "q" }, 80).allowed, false);
  });
});

/** Asserts that loading `text` from `file` fails naming file, document and field. */
function assertBad(text: string, field: string | undefined, document = 1, message?: RegExp, file = "bad.yaml"): void {
  assert.throws(
    () => buildModel(parseManifestText(text, file)),
    (e: unknown) => {
      assert.ok(e instanceof ManifestError, `expected ManifestError, got ${String(e)}`);
      assert.equal(e.file, file);
      assert.equal(e.document, document);
      assert.equal(e.field, field);
      assert.ok(e.message.includes(file), e.message);
      assert.ok(e.message.includes(`document ${document}`), e.message);
      if (field) assert.ok(e.message.includes(field), e.message);
      if (message) assert.match(e.message, message);
      return true;
    },
  );
}

const header = "apiVersion: v1\nkind: Namespace\nmetadata: {name: ok}\n---\n";
const policy = (spec: string): string =>
  `${header}apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: a}\nspec:\n${spec}`;

describe("netpol load: bad input names file, document and field", () => {
  it("malformed YAML", () => assertBad(`${header}kind: Pod\nmetadata: {name: [unclosed\n`, undefined, 2, /malformed YAML/));
  it("malformed YAML shows the offending line and a caret under the column", () => {
    const text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n  labels: {a: b\nspec: {}\n";
    assert.throws(
      () => parseManifestText(text, "pod.yaml"),
      (e: unknown) => e instanceof ManifestError && /at line 6, column 1:\n {2}.*labels: \{a: b\n {2}spec: \{\}\n {2}\^$/.test(e.message),
    );
  });
  it("malformed JSON", () => assertBad("{ \"kind\": ", undefined, 1, /malformed JSON/, "bad.json"));
  it("a document that is not a mapping", () => assertBad(`${header}- just\n- a list\n`, undefined, 2, /mapping/));
  it("a document without kind", () => assertBad(`${header}metadata: {name: x}\n`, "kind", 2, /kind is required/));
  it("a document without metadata.name", () => assertBad(`${header}kind: Pod\nmetadata: {namespace: a}\n`, "metadata.name", 2));
  it("a List item without kind names the item", () =>
    assertBad("kind: List\nitems:\n  - {kind: Pod, metadata: {name: a}}\n  - {metadata: {name: b}}\n", "items[1].kind", 1));
  it("invalid selector operator", () =>
    assertBad(
      policy("  podSelector: {}\n  ingress:\n    - from:\n        - podSelector: {}\n        - podSelector:\n            matchExpressions:\n              - {key: app, operator: Inn, values: [a]}\n"),
      "spec.ingress[0].from[1].podSelector.matchExpressions[0].operator",
      2,
      /invalid operator "Inn"/,
    ));
  it("In / NotIn without values", () => {
    assertBad(policy("  podSelector:\n    matchExpressions: [{key: app, operator: In}]\n"), "spec.podSelector.matchExpressions[0].values", 2, /requires at least one value/);
    assertBad(policy("  podSelector:\n    matchExpressions: [{key: app, operator: NotIn, values: []}]\n"), "spec.podSelector.matchExpressions[0].values", 2);
  });
  it("Exists / DoesNotExist with values", () => {
    assertBad(policy("  podSelector:\n    matchExpressions: [{key: app, operator: Exists, values: [a]}]\n"), "spec.podSelector.matchExpressions[0].values", 2, /must not have values/);
    assertBad(
      policy("  podSelector: {}\n  egress: [{to: [{namespaceSelector: {matchExpressions: [{key: a, operator: DoesNotExist, values: [x]}]}}]}]\n"),
      "spec.egress[0].to[0].namespaceSelector.matchExpressions[0].values",
      2,
    );
  });
  it("invalid label key or value in a selector", () => {
    assertBad(policy("  podSelector: {matchLabels: {'bad key': x}}\n"), "spec.podSelector.matchLabels.bad key", 2);
    assertBad(policy("  podSelector: {matchLabels: {app: 'no spaces'}}\n"), "spec.podSelector.matchLabels.app", 2);
  });
  it("invalid CIDR, and except outside cidr", () => {
    assertBad(policy("  podSelector: {}\n  ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/33}}]}]\n"), "spec.ingress[0].from[0].ipBlock.cidr", 2, /invalid CIDR/);
    assertBad(policy("  podSelector: {}\n  ingress: [{from: [{ipBlock: {cidr: not-a-cidr}}]}]\n"), "spec.ingress[0].from[0].ipBlock.cidr", 2);
    assertBad(
      policy("  podSelector: {}\n  ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/16, except: [10.1.0.0/24]}}]}]\n"),
      "spec.ingress[0].from[0].ipBlock.except[0]",
      2,
      /strict subset/,
    );
    assertBad(
      policy("  podSelector: {}\n  ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/16, except: [10.0.0.0/16]}}]}]\n"),
      "spec.ingress[0].from[0].ipBlock.except[0]",
      2,
    );
    assertBad(policy("  podSelector: {}\n  egress: [{to: [{ipBlock: {cidr: 'fd00::/64', except: ['10.0.0.0/8']}}]}]\n"), "spec.egress[0].to[0].ipBlock.except[0]", 2);
  });
  it("ipBlock combined with a selector, and an empty peer", () => {
    assertBad(policy("  podSelector: {}\n  ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8}, podSelector: {}}]}]\n"), "spec.ingress[0].from[0].ipBlock", 2);
    assertBad(policy("  podSelector: {}\n  ingress: [{from: [{}]}]\n"), "spec.ingress[0].from[0]", 2, /must specify/);
  });
  it("port out of range", () => {
    assertBad(policy("  podSelector: {}\n  ingress: [{ports: [{port: 0}]}]\n"), "spec.ingress[0].ports[0].port", 2, /port out of range/);
    assertBad(policy("  podSelector: {}\n  ingress: [{ports: [{port: 65536}]}]\n"), "spec.ingress[0].ports[0].port", 2);
    assertBad(policy("  podSelector: {}\n  ingress: [{ports: [{port: 80, endPort: 70000}]}]\n"), "spec.ingress[0].ports[0].endPort", 2);
  });
  it("endPort below port, with a named port, or without port", () => {
    assertBad(policy("  podSelector: {}\n  ingress: [{ports: [{port: 90, endPort: 80}]}]\n"), "spec.ingress[0].ports[0].endPort", 2, /greater than or equal/);
    assertBad(policy("  podSelector: {}\n  ingress: [{ports: [{port: http, endPort: 80}]}]\n"), "spec.ingress[0].ports[0].endPort", 2, /named port/);
    assertBad(policy("  podSelector: {}\n  ingress: [{ports: [{endPort: 80}]}]\n"), "spec.ingress[0].ports[0].endPort", 2, /requires port/);
  });
  it("invalid port names", () => {
    assertBad(policy("  podSelector: {}\n  ingress: [{ports: [{port: '8080'}]}]\n"), "spec.ingress[0].ports[0].port", 2, /port name/);
    assertBad(policy("  podSelector: {}\n  ingress: [{ports: [{port: Http}]}]\n"), "spec.ingress[0].ports[0].port", 2);
  });
  it("unknown protocol", () => {
    assertBad(policy("  podSelector: {}\n  egress: [{ports: [{protocol: ICMP, port: 1}]}]\n"), "spec.egress[0].ports[0].protocol", 2, /unknown protocol "ICMP"/);
    assertBad(policy("  podSelector: {}\n  egress: [{ports: [{protocol: tcp, port: 1}]}]\n"), "spec.egress[0].ports[0].protocol", 2);
  });
  it("invalid policyTypes value", () =>
    assertBad(policy("  podSelector: {}\n  policyTypes: [Ingress, egress]\n"), "spec.policyTypes[1]", 2, /invalid policyTypes value "egress"/));
  it("unknown fields in a policy spec (a typo would silently widen it)", () =>
    assertBad(policy("  podSelector: {}\n  ingress: [{from: [{podselector: {}}]}]\n"), "spec.ingress[0].from[0].podselector", 2, /unknown field/));
  it("bad pod data: container port and podIP", () => {
    assertBad(`${header}kind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, ports: [{containerPort: 99999}]}]}\n`, "spec.containers[0].ports[0].containerPort", 2);
    assertBad(`${header}kind: Pod\nmetadata: {name: p}\nstatus: {podIP: 10.0.0.300}\n`, "status.podIP", 2);
    assertBad(
      `${header}kind: Deployment\nmetadata: {name: d}\nspec: {template: {spec: {containers: [{name: c, ports: [{containerPort: 80, protocol: HTTP}]}]}}}\n`,
      "spec.template.spec.containers[0].ports[0].protocol",
      2,
    );
  });
  it("duplicate objects", () =>
    assertBad(`${header}apiVersion: v1\nkind: Namespace\nmetadata: {name: ok}\n`, "metadata.name", 2, /duplicate Namespace ok \(also defined at bad\.yaml#1\)/));
  it("a missing path", () =>
    assert.throws(() => loadManifestPaths([join(FIXTURES, "does-not-exist")]), (e: unknown) => e instanceof ManifestError && /does-not-exist/.test(e.message)));
});

describe("netpol load: hostile or odd input gets a located error, never a crash", () => {
  const ns = (name: string) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n`;

  for (const kind of ["constructor", "toString", "__proto__", "valueOf", "hasOwnProperty"]) {
    it(`kind ${kind} is just a kind the engine does not model`, () => {
      const { ignored } = buildModel(parseManifestText(`apiVersion: v1\nkind: ${kind}\nmetadata:\n  name: x\n`, "odd.yaml"));
      assert.deepEqual(ignored.map((i) => i.kind), [kind]);
    });
  }

  it("JSON nested 10,000 deep is refused with its depth", () => {
    assertBad(`${'{"a":'.repeat(10000)}1${"}".repeat(10000)}`, undefined, 1, /nested deeper than 128 levels/, "deep.json");
  });

  it("a .json file that does not start with { is YAML, as for kubectl, and deep nesting is refused there too", () => {
    assert.throws(() => parseManifestText("[".repeat(10000) + "]".repeat(10000), "deep.json"), (e: unknown) => e instanceof ManifestError && /malformed YAML: nested too deep to parse/.test(e.message));
    assert.throws(() => parseManifestText(`a: ${"[".repeat(200)}${"]".repeat(200)}\n`, "deep.yaml"), (e: unknown) => e instanceof ManifestError && /nested deeper than 128 levels/.test(e.message));
  });

  it("YAML nested too deep to parse is a malformed-YAML error", () => {
    assert.throws(() => parseManifestText(`a: ${"[".repeat(20000)}${"]".repeat(20000)}\n`, "deep.yaml"), (e: unknown) => e instanceof ManifestError && /malformed YAML/.test(e.message));
  });

  it("a kind: List nested 5,000 deep is refused", () => {
    const open = '{"apiVersion":"v1","kind":"List","items":[';
    const text = open.repeat(5000) + '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"a"}}' + "]}".repeat(5000);
    assert.throws(() => parseManifestText(text, "lists.json"), (e: unknown) => e instanceof ManifestError && /nested deeper than 128 levels/.test(e.message));
    // Moderate nesting still works, in document order.
    const two = '{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"a"}}]},{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"b"}}]}';
    assert.deepEqual(parseManifestText(two, "two.json").map((o) => o.object.metadata.name), ["a", "b"]);
  });

  it("a List of 130,000 objects loads (no argument spreading)", () => {
    const items = Array.from({ length: 130_000 }, (_, i) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: `c${i}`, namespace: "a" } }));
    const dir = mkdtempSync(join(tmpdir(), "biglist-"));
    writeFileSync(join(dir, "list.json"), JSON.stringify({ apiVersion: "v1", kind: "List", items }));
    assert.equal(loadManifestPaths([dir]).length, 130_000);
  });

  describe("only regular files are read, and only up to a bound", function () {
    this.timeout(30_000);
    const dir = mkdtempSync(join(tmpdir(), "special-"));
    after(() => rmSync(dir, { recursive: true, force: true }));
    /** Loads in a child process: without the bound, /dev/zero eats memory and a FIFO blocks for ever. */
    const load = (path: string) =>
      spawnSync(process.execPath, ["-r", join(__dirname, "..", "..", "cli", "register.js"), "-e", `
        const { loadManifestPaths } = require(${JSON.stringify(join(__dirname, "..", "..", "core", "netpol", "load.ts"))});
        try { loadManifestPaths([${JSON.stringify(path)}]); console.log("read"); } catch (e) { console.log(e.name + ": " + e.message); }`], { encoding: "utf8", timeout: 10_000 });

    it("a symlink to /dev/zero, named or found in a directory, is refused at once", () => {
      symlinkSync("/dev/zero", join(dir, "zero.yaml"));
      const named = load(join(dir, "zero.yaml"));
      assert.equal(named.stdout.trim(), `ManifestError: ${join(dir, "zero.yaml")}: cannot read: a character device, not a regular file; only regular files are read`, named.stderr);
      assert.match(load(dir).stdout, /zero\.yaml: cannot read: a character device/);
    });

    it("a FIFO is refused instead of waiting for a writer", () => {
      const fifo = join(dir, "pipe.yaml");
      assert.equal(spawnSync("mkfifo", [fifo]).status, 0);
      const res = load(fifo);
      assert.equal(res.signal, null, "finished within the timeout");
      assert.match(res.stdout, /pipe\.yaml: cannot read: a FIFO, not a regular file/);
    });

    it("a file above 64 MiB is refused before it is read", () => {
      const big = join(dir, "big.yaml");
      const fd = openSync(big, "w");
      ftruncateSync(fd, 64 * 1024 * 1024 + 1);
      closeSync(fd);
      assert.throws(() => loadManifestPaths([big]), (e: unknown) => e instanceof ManifestError && /big\.yaml: cannot read: 67,108,865 bytes, more than the 64 MiB \(67,108,864 bytes\) this tool reads from one file$/.test(e.message));
    });

    it("a directory that links back to itself is refused, not walked for ever", () => {
      const loop = join(dir, "loop");
      mkdirSync(loop);
      symlinkSync(loop, join(loop, "again"));
      assert.throws(() => loadManifestPaths([loop]), (e: unknown) => e instanceof ManifestError && /again: a directory that leads back to .*loop/.test(e.message));
    });
  });

  it("a Pod and a workload with one namespace/name are refused, naming both", () => {
    const text = `apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: a}\nspec: {containers: [{name: c, image: x}]}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: a}\nspec: {selector: {}, template: {metadata: {labels: {app: w}}, spec: {containers: [{name: c, image: x}]}}}\n`;
    assertBad(text, "metadata.name", 2, /Deployment a\/web has the name of Pod a\/web \(bad\.yaml#1\)/);
  });

  it("names that are not Kubernetes names (markup, line breaks) are refused at load", () => {
    assertBad('apiVersion: v1\nkind: Pod\nmetadata: {name: "x\\n## Injected [link](http://evil)", namespace: a}\n', "metadata.name", 1, /is not a valid object name/);
    assertBad(ns('"Critical_Project"'), "metadata.name", 1, /is not a valid namespace name/);
    assertBad("apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: 'a|b'}\n", "metadata.namespace", 1, /is not a valid namespace name/);
  });
});
