import { strict as assert } from "node:assert";
import { computeMatrix, externalConnections, type ClusterModel, type IgnoredObject, type LintWarning, type NetworkPolicy, type PodInfo } from "../../core/netpol";
import {
  CSV_EXPLAIN_HEADER,
  CSV_HEADER,
  decidingPolicies,
  csvField,
  formatCsv,
  formatJson,
  formatMermaid,
  formatReport,
  formatTable,
  reportChunks,
  MERMAID_DENIED_EDGE_LIMIT,
  MERMAID_POD_LIMIT,
  mermaidId,
  TABLE_WIDTH,
  wrapText,
} from "../../core/report";
import { tutorialMatrix } from "./helpers";

const pod = (namespace: string, name: string, labels: Record<string, string> = {}, ports: PodInfo["ports"] = []): PodInfo => ({
  namespace,
  name,
  labels,
  ports,
});
const policy = (namespace: string, name: string, spec: NetworkPolicy["spec"]): NetworkPolicy => ({ metadata: { name, namespace }, spec });

/** The stack's shape: default-deny plus an allow policy, so two policies select the destination. */
function denyAndAllowModel(): ClusterModel {
  return {
    namespaces: [{ name: "shop", labels: {} }, { name: "ops", labels: {} }],
    pods: [pod("shop", "api", { app: "api" }, [{ name: "http", containerPort: 8080 }]), pod("ops", "client", { app: "client" }), pod("ops", "intruder")],
    policies: [
      policy("shop", "deny-all", { podSelector: {}, policyTypes: ["Ingress"] }),
      policy("shop", "allow-client", {
        podSelector: { matchLabels: { app: "api" } },
        ingress: [{ from: [{ namespaceSelector: {}, podSelector: { matchLabels: { app: "client" } } }], ports: [{ port: 8080 }] }],
      }),
    ],
  };
}

/** A strict RFC 4180 reader, so the test checks the quoting rather than trusting it. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let i = 0;
  while (i < text.length) {
    let field = "";
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (text[i] === '"' && text[i + 1] === '"') {
          field += '"';
          i += 2;
        } else if (text[i] === '"') {
          i++;
          break;
        } else if (i >= text.length) throw new Error("unterminated quote");
        else field += text[i++];
      }
    } else {
      while (i < text.length && text[i] !== "," && text[i] !== "\n") {
        if (text[i] === '"' || text[i] === "\r") throw new Error(`bare ${JSON.stringify(text[i])} in unquoted field at ${i}`);
        field += text[i++];
      }
    }
    row.push(field);
    if (text[i] === ",") i++;
    else if (text[i] === "\n") {
      rows.push(row);
      row = [];
      i += 1;
    } else throw new Error(`expected , or LF at ${i}`);
  }
  return rows;
}

describe("report formats", () => {
  const warnings: LintWarning[] = [{ code: "or-trap", message: "two peers", namespace: "pricing-ns", policy: "prices-api-network-policy" }];
  const ignored: IgnoredObject[] = [{ kind: "Service", name: "pricing-ns/prices-api-service", source: "x.yaml#2" }];

  describe("json", () => {
    it("writes the lean contract by default: a version, connections without reasons, warnings, ignored, a summary", () => {
      const doc = JSON.parse(formatJson(tutorialMatrix(), warnings, ignored));
      assert.deepEqual(Object.keys(doc), ["version", "connections", "external", "warnings", "ignored", "summary"]);
      assert.equal(doc.version, 2);
      assert.deepEqual(doc.connections[2], { from: "default/curl-po-deny", to: "pricing-ns/prices-api-deployment", port: 8080, protocol: "TCP", allowed: false, portName: "http" });
    });

    it("writes each lean connection line exactly as JSON.stringify would", () => {
      const lines = [formatJson(computeMatrix(denyAndAllowModel()), [], []), formatJson(tutorialMatrix(), [], [])]
        .flatMap((doc) => doc.split("\n"))
        .filter((l) => l.startsWith('    {"from":'));
      assert.ok(lines.length >= 4, String(lines.length));
      assert.ok(lines.some((l) => l.includes('"portName"')), "a line with a port name");
      for (const l of lines) {
        const text = l.trim().replace(/,$/, "");
        assert.equal(JSON.stringify(JSON.parse(text)), text);
      }
    });

    it("with --explain, adds each connection's reason and deciding policies", () => {
      const doc = JSON.parse(formatJson(tutorialMatrix(), warnings, ignored, { explain: true }));
      assert.deepEqual(Object.keys(doc), ["version", "connections", "external", "warnings", "ignored", "summary"]);
      assert.deepEqual(doc.summary, { pods: 4, classes: 4, connections: 3, allowed: 2, denied: 1 });
      assert.deepEqual(
        doc.connections.map((c: { from: string; allowed: boolean }) => [c.from, c.allowed]),
        [
          ["critical-project/batch-job", true],
          ["critical-project/curl-po-allow", true],
          ["default/curl-po-deny", false],
        ],
      );
      const denied = doc.connections[2];
      assert.deepEqual(Object.keys(denied), ["from", "to", "port", "protocol", "allowed", "portName", "reason", "ingressPolicies", "egressPolicies"]);
      assert.equal(denied.to, "pricing-ns/prices-api-deployment");
      assert.equal(denied.port, 8080);
      assert.equal(denied.portName, "http");
      assert.deepEqual(denied.ingressPolicies, ["pricing-ns/prices-api-network-policy"]);
      assert.deepEqual(denied.egressPolicies, []);
      assert.match(denied.reason, /^denied: /);
      assert.deepEqual(doc.warnings, warnings);
      assert.deepEqual(doc.ignored, ignored);
    });

    it("names only the admitting policy for an allowed connection, and every isolating one for a denied one", () => {
      const doc = JSON.parse(formatJson(computeMatrix(denyAndAllowModel()), [], [], { explain: true }));
      const byFrom = new Map(doc.connections.map((c: { from: string }) => [c.from, c]));
      assert.deepEqual((byFrom.get("ops/client") as { ingressPolicies: string[] }).ingressPolicies, ["shop/allow-client"]);
      assert.deepEqual((byFrom.get("ops/intruder") as { ingressPolicies: string[] }).ingressPolicies, ["shop/allow-client", "shop/deny-all"]);
    });

    it("is valid JSON for an empty matrix too, and puts each connection on one line", () => {
      const empty = JSON.parse(formatJson(computeMatrix({ namespaces: [], pods: [], policies: [] }), [], []));
      assert.deepEqual(empty, { version: 2, connections: [], external: [], warnings: [], ignored: [], summary: { pods: 0, classes: 0, connections: 0, allowed: 0, denied: 0 } });
      const lines = formatJson(tutorialMatrix(), [], []).split("\n");
      assert.equal(lines.filter((l) => l.startsWith('    {"from":')).length, 3);
    });

    it("is byte-for-byte stable across runs", () => {
      assert.equal(formatJson(tutorialMatrix(), warnings, ignored), formatJson(tutorialMatrix(), warnings, ignored));
    });
  });

  describe("csv", () => {
    it("quotes commas, quotes and newlines (RFC 4180) and leaves plain fields bare", () => {
      assert.equal(csvField("plain"), "plain");
      assert.equal(csvField(8080), "8080");
      assert.equal(csvField(false), "false");
      assert.equal(csvField("a, b"), '"a, b"');
      assert.equal(csvField('say "hi"'), '"say ""hi"""');
      assert.equal(csvField("two\nlines"), '"two\nlines"');
    });

    it("has the lean header and one row per connection that parses back to the same values", () => {
      const matrix = computeMatrix(denyAndAllowModel());
      const rows = parseCsv(formatCsv(matrix));
      assert.deepEqual(rows[0], [...CSV_HEADER]);
      assert.deepEqual(rows[0], ["from", "to", "port", "protocol", "allowed", "portName"]);
      const expected = [...matrix.connections()].map((c) => [c.from, c.to, String(c.port), c.protocol, String(c.allowed), c.portName ?? ""]);
      assert.deepEqual(rows.slice(1), expected);
    });

    it("with --explain, adds reason and deciding policies, quoted where needed", () => {
      const matrix = computeMatrix(denyAndAllowModel());
      const rows = parseCsv(formatCsv(matrix, { explain: true }));
      assert.deepEqual(rows[0], [...CSV_HEADER, ...CSV_EXPLAIN_HEADER]);
      const expected = [...matrix.connections()].map((c) => [c.from, c.to, String(c.port), c.protocol, String(c.allowed), c.portName ?? "", c.reason, decidingPolicies(c.ingress).join(" "), decidingPolicies(c.egress).join(" ")]);
      assert.deepEqual(rows.slice(1), expected);
      // The denied reason lists two policies, so at least one field needed quoting.
      assert.ok(expected.some((r) => r[6].includes(",")), "the test must exercise a quoted field");
    });

    it("ends lines with LF, so cut, awk and grep see no stray carriage return", () => {
      const text = formatCsv(computeMatrix(denyAndAllowModel()));
      assert.ok(!text.includes("\r"), "no CR anywhere");
      assert.ok(text.endsWith("\n"));
      assert.equal(text.split("\n")[0], CSV_HEADER.join(","));
    });
  });

  describe("table", () => {
    it("groups by destination and explains each verdict by the deciding policies", () => {
      const text = formatTable(tutorialMatrix());
      const lines = text.split("\n");
      assert.equal(lines[0], "pricing-ns/prices-api-deployment  [8080/TCP (http)]");
      const denyRow = lines.find((l) => l.includes("default/curl-po-deny"));
      assert.match(denyRow ?? "", /8080\/TCP\s+denied\s+ingress: none of prices-api-network-policy/);
      const allowRow = lines.find((l) => l.includes("critical-project/curl-po-allow"));
      assert.match(allowRow ?? "", /ALLOWED\s+ingress allowed by prices-api-network-policy/);
      assert.match(text, /4 pods \(4 classes\), 3 connections: 2 allowed, 1 denied\./);
    });

    it("says when no policy isolates either pod", () => {
      const model: ClusterModel = { namespaces: [], pods: [pod("a", "web", {}, [{ containerPort: 80 }]), pod("b", "client")], policies: [] };
      assert.match(formatTable(computeMatrix(model)), /b\/client\s+80\/TCP\s+ALLOWED\s+no policy isolates either pod/);
    });

    it("fits 100 columns and never cuts a long pod name, the section about the outside included", () => {
      const longName = `a-very-long-workload-name-${"x".repeat(60)}`;
      const model = denyAndAllowModel();
      model.pods.push(pod("ops", longName));
      const text = formatTable(computeMatrix(model), { external: [...externalConnections(model)] });
      assert.match(text, /^Outside the cluster/m);
      for (const line of text.split("\n")) assert.ok(line.length <= TABLE_WIDTH, `too wide (${line.length}): ${line}`);
      assert.ok(text.includes(`ops/${longName}`));
    });

    it("wraps at spaces and hard-breaks words longer than the width", () => {
      assert.deepEqual(wrapText("aaa bbb ccc", 7), ["aaa bbb", "ccc"]);
      assert.deepEqual(wrapText("abcdefghij", 4), ["abcd", "efgh", "ij"]);
    });
  });

  describe("mermaid", () => {
    it("escapes every character that is not a letter or digit, one-to-one", () => {
      assert.equal(mermaidId("pod", "pricing-ns/prices-api"), "pod_pricing_2d_ns_2f_prices_2d_api");
      assert.notEqual(mermaidId("pod", "a-b"), mermaidId("pod", "a_2d_b"));
      assert.notEqual(mermaidId("pod", "a.b"), mermaidId("pod", "a-b"));
      assert.equal(mermaidId("ns", "end"), "ns_end");
      assert.match(mermaidId("pod", 'we"ird <name>/ü'), /^[A-Za-z0-9_]+$/);
    });

    it("draws namespaces as subgraphs, allowed edges with ports and refused callers as dashed edges", () => {
      const text = formatMermaid(tutorialMatrix());
      const lines = text.trimEnd().split("\n");
      assert.equal(lines[0], "flowchart LR");
      assert.ok(lines.includes('  subgraph ns_critical_2d_project["critical-project"]'));
      assert.ok(lines.includes('    pod_pricing_2d_ns_2f_prices_2d_api_2d_deployment["prices-api-deployment"]'));
      const api = "pod_pricing_2d_ns_2f_prices_2d_api_2d_deployment";
      assert.ok(lines.includes(`  pod_critical_2d_project_2f_curl_2d_po_2d_allow -->|"8080/TCP"| ${api}`));
      assert.ok(lines.includes(`  pod_default_2f_curl_2d_po_2d_deny -.->|"denied 8080/TCP"| ${api}`));
      // Edges are numbered in order: two allowed (0, 1), then the denied one.
      assert.ok(lines.some((l) => l.startsWith("  linkStyle 2 ")));
      const edges = lines.filter((x) => x.includes("-->") || x.includes("-.->"));
      assert.equal(edges.length, 3);
      for (const l of edges) assert.match(l, /^ {2}[A-Za-z0-9_]+ (-->|-\.->)\|"[^"]*"\| [A-Za-z0-9_]+$/);
    });

    it("draws at most one edge per pod pair, listing every allowed port on it", () => {
      const model: ClusterModel = {
        namespaces: [],
        pods: [pod("a", "db", {}, [{ containerPort: 5432 }, { containerPort: 9187, name: "metrics" }]), pod("a", "app")],
        policies: [],
      };
      const edges = formatMermaid(computeMatrix(model)).split("\n").filter((l) => l.includes("-->"));
      assert.deepEqual(edges, ['  pod_a_2f_app -->|"5432/TCP, 9187/TCP"| pod_a_2f_db']);
    });

    it(`aggregates by namespace above ${MERMAID_POD_LIMIT} pods`, () => {
      const pods = [pod("web", "front", {}, [{ containerPort: 80 }])];
      for (let i = 0; i < MERMAID_POD_LIMIT; i++) pods.push(pod(i % 2 ? "batch" : "jobs", `worker-${i}`));
      const text = formatMermaid(computeMatrix({ namespaces: [], pods, policies: [] }));
      assert.ok(!text.includes("subgraph"));
      assert.ok(text.includes('  ns_batch["batch (30 pods)"]'));
      assert.ok(text.includes('  ns_batch -->|"80/TCP"| ns_web'));
      assert.ok(text.includes('  ns_jobs -->|"80/TCP"| ns_web'));
    });

    it("summarises denied edges in a comment when there are too many to draw", () => {
      const pods = [pod("shop", "api", { app: "api" }, [{ containerPort: 8080 }]), pod("ops", "client", { app: "client" })];
      for (let i = 0; i <= MERMAID_DENIED_EDGE_LIMIT; i++) pods.push(pod("ops", `other-${i}`));
      const model = { ...denyAndAllowModel(), pods };
      const text = formatMermaid(computeMatrix(model));
      assert.ok(!text.includes("-.->"));
      assert.match(text, new RegExp(`%% ${MERMAID_DENIED_EDGE_LIMIT + 1} denied pairs`));
    });
  });

  describe("at a size that spans many written pieces", () => {
    // 60 pods with two ports each: 7,080 connections, over 700 KB of json, so many 32 KiB pieces.
    const many = (): ClusterModel => ({
      namespaces: [{ name: "a", labels: {} }, { name: "b", labels: {} }],
      pods: Array.from({ length: 60 }, (_, i) =>
        pod(i % 2 === 0 ? "a" : "b", `pod-${i}`, { app: `app-${i % 7}` }, [{ name: "http", containerPort: 8080 }, { containerPort: 9090, protocol: "UDP" }]),
      ),
      policies: [
        policy("a", "deny-all", { podSelector: {}, policyTypes: ["Ingress"] }),
        policy("a", "allow-app-3", { podSelector: {}, ingress: [{ from: [{ podSelector: { matchLabels: { app: "app-3" } }, namespaceSelector: {} }], ports: [{ port: 8080 }] }] }),
      ],
    });

    it("json and csv hold every connection once, in matrix order, with no line cut at a piece boundary", () => {
      const matrix = computeMatrix(many());
      const expected = [...matrix.connections()].map((c) => ({ from: c.from, to: c.to, port: c.port, protocol: c.protocol, allowed: c.allowed, ...(c.portName ? { portName: c.portName } : {}) }));
      assert.equal(expected.length, 60 * 59 * 2);
      assert.ok(expected.some((c) => c.allowed) && expected.some((c) => !c.allowed), "both verdicts occur");
      let pieces = 0;
      for (const chunk of reportChunks("json", matrix, [], [])) if (typeof chunk !== "string") pieces++;
      assert.ok(pieces > 10, `the connections came in many byte pieces, not ${pieces}`);
      const doc = JSON.parse(formatJson(matrix, [], []));
      assert.deepEqual(doc.connections, expected);
      assert.deepEqual(doc.summary, { pods: 60, classes: matrix.classes, connections: expected.length, allowed: expected.filter((c) => c.allowed).length, denied: expected.filter((c) => !c.allowed).length });
      const rows = parseCsv(formatCsv(matrix)).slice(1);
      assert.deepEqual(rows, expected.map((c) => [c.from, c.to, String(c.port), c.protocol, String(c.allowed), c.portName ?? ""]));
    });

    it("a cursor walks the same connections as connections(), without an object each", () => {
      const matrix = computeMatrix(many(), { allowed: true });
      const walked: string[] = [];
      const cursor = matrix.cursor();
      while (cursor.next()) walked.push(`${matrix.ids[cursor.source]}>${matrix.ids[cursor.destination]}:${cursor.port.port}/${cursor.portIndex}=${cursor.verdict.allowed}`);
      assert.ok(walked.length > 0);
      assert.deepEqual(walked, [...matrix.connections()].map((c) => `${c.from}>${c.to}:${c.port}/${c.port === 8080 ? 0 : 1}=${c.allowed}`));
    });
  });

  it("formatReport dispatches on the format name", () => {
    const m = tutorialMatrix();
    assert.equal(formatReport("csv", m, [], []), formatCsv(m));
    assert.equal(formatReport("table", m, [], []), formatTable(m));
    assert.equal(formatReport("mermaid", m, [], []), formatMermaid(m));
    assert.equal(formatReport("json", m, warnings, ignored), formatJson(m, warnings, ignored));
  });
});
