/**
 * Endpoints outside the cluster, worked from the ipBlock semantics in the Kubernetes documentation:
 * ipBlock peers select IP ranges (cidr minus except); pod and namespace selectors never select an
 * outside address; a pod that no policy isolates in a direction is open to everything there.
 */
import { strict as assert } from "node:assert";
import { computeMatrix, externalConnections, externalRanges, lintModel, queryExternal, type ClusterModel, type NetworkPolicy, type PodInfo } from "../../core/netpol";
import { formatCsv, formatJson, formatMermaid, formatTable } from "../../core/report";

const web: PodInfo = { namespace: "shop", name: "web", labels: { app: "web" }, ports: [{ containerPort: 8080, name: "http" }] };
const job: PodInfo = { namespace: "shop", name: "job", labels: { app: "job" }, ports: [] };
const policy = (name: string, spec: NetworkPolicy["spec"]): NetworkPolicy => ({ metadata: { name, namespace: "shop" }, spec });
const model = (...policies: NetworkPolicy[]): ClusterModel => ({ namespaces: [{ name: "shop", labels: {} }], pods: [web, job], policies });
const rows = (m: ClusterModel) => [...externalConnections(m)].map((c) => `${c.pod} ${c.direction === "egress" ? "->" : "<-"} ${c.range}: ${c.allowed ? JSON.stringify(c.ports) : "denied"}`);

const egressTo443 = policy("egress", {
  podSelector: { matchLabels: { app: "web" } },
  policyTypes: ["Egress"],
  egress: [
    { to: [{ ipBlock: { cidr: "10.0.0.0/8", except: ["10.1.0.0/16"] } }], ports: [{ port: 443 }] },
    // Pods only: no outside address matches a selector.
    { to: [{ namespaceSelector: {} }], ports: [{ protocol: "UDP", port: 53 }] },
  ],
});

describe("netpol: endpoints outside the cluster", () => {
  it("with no policy, every pod reaches 0.0.0.0/0 on every port and is reachable from it on its ports", () => {
    assert.deepEqual(rows(model()), ['shop/job -> 0.0.0.0/0 (all): "all"', 'shop/web -> 0.0.0.0/0 (all): "all"', 'shop/web <- 0.0.0.0/0 (all): ["TCP/8080"]']);
  });

  it("splits the address space at every cidr and except boundary, plus everything else", () => {
    assert.deepEqual(
      externalRanges(model(egressTo443)).map((r) => r.name),
      ["everything else (IPv4)", "10.0.0.0/8 except 10.1.0.0/16", "10.1.0.0/16"],
    );
  });

  it("an egress ipBlock rule opens only its ports to its range; except and everything else stay closed", () => {
    assert.deepEqual(rows(model(egressTo443)), [
      'shop/job -> 0.0.0.0/0 (all): "all"',
      "shop/web -> everything else (IPv4): denied",
      'shop/web -> 10.0.0.0/8 except 10.1.0.0/16: ["TCP/443"]',
      "shop/web -> 10.1.0.0/16: denied",
      'shop/web <- 0.0.0.0/0 (all): ["TCP/8080"]',
    ]);
  });

  it("an egress rule without peers reaches every range on its ports; without ports, on every port", () => {
    const m = model(policy("dns", { podSelector: {}, policyTypes: ["Egress"], egress: [{ ports: [{ protocol: "UDP", port: 53 }, { port: 8000, endPort: 8080 }] }] }));
    assert.deepEqual(rows(m).filter((r) => r.startsWith("shop/web ->")), ['shop/web -> 0.0.0.0/0 (all): ["TCP/8000-8080","UDP/53"]']);
    const open = model(policy("any", { podSelector: {}, policyTypes: ["Egress"], egress: [{}] }));
    assert.deepEqual(rows(open).filter((r) => r.startsWith("shop/job ->")), ['shop/job -> 0.0.0.0/0 (all): "all"']);
  });

  it("a named port cannot apply to an outside address, which has no container ports", () => {
    const m = model(policy("named", { podSelector: { matchLabels: { app: "web" } }, policyTypes: ["Egress"], egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ port: "https" }] }] }));
    assert.deepEqual(rows(m).filter((r) => r.startsWith("shop/web ->")), ["shop/web -> 0.0.0.0/0: denied"]);
  });

  it("an ingress ipBlock rule opens the pod's matching ports from that range only; IPv6 ranges stand apart", () => {
    const m = model(
      policy("in", {
        podSelector: { matchLabels: { app: "web" } },
        ingress: [{ from: [{ ipBlock: { cidr: "203.0.113.0/24" } }, { ipBlock: { cidr: "2001:db8::/32" } }], ports: [{ port: "http" }] }],
      }),
    );
    assert.deepEqual(
      rows(m).filter((r) => r.startsWith("shop/web <-")),
      [
        "shop/web <- everything else (IPv4): denied",
        'shop/web <- 203.0.113.0/24: ["TCP/8080"]',
        "shop/web <- everything else (IPv6): denied",
        'shop/web <- 2001:db8::/32: ["TCP/8080"]',
      ],
    );
  });

  it("says so when ipBlock peers meet pods without an IP (workloads), instead of silently denying", () => {
    const warnings = lintModel(model(egressTo443)).filter((w) => w.code === "ipblock-without-pod-ip");
    assert.equal(warnings.length, 1);
    assert.match(warnings[0].message, /ipBlock peers \(10\.0\.0\.0\/8\) match pod IPs, and 2 pods have none \(workloads from manifests have no IP\)/);
    const withIPs: ClusterModel = { ...model(egressTo443), pods: [{ ...web, ip: "10.2.0.5" }, { ...job, ip: "10.2.0.6" }] };
    assert.deepEqual(lintModel(withIPs).filter((w) => w.code === "ipblock-without-pod-ip"), []);
  });

  it("answers focus queries: --from for egress, --to for ingress, --port and --allowed", () => {
    const all = [...externalConnections(model(egressTo443))];
    assert.deepEqual([...queryExternal(all, { from: { namespace: "shop", name: "web" }, port: 443 })].map((c) => c.range), ["10.0.0.0/8 except 10.1.0.0/16"]);
    assert.deepEqual([...queryExternal(all, { to: { namespace: "shop" } })].map((c) => `${c.direction} ${c.pod}`), ["ingress shop/web"]);
    assert.equal([...queryExternal(all, { allowed: false })].length, 2);
  });
});

describe("report formats: endpoints outside the cluster", () => {
  it("json gives them their own list, table a section, csv ip: rows, mermaid range nodes with port-labelled edges", () => {
    const m = model(egressTo443);
    const matrix = computeMatrix(m);
    const external = [...externalConnections(m)];
    const doc = JSON.parse(formatJson(matrix, [], [], { external })) as { external: Array<{ direction: string; pod: string; range: string; ports: unknown; allowed: boolean }> };
    assert.deepEqual(doc.external[2], { direction: "egress", pod: "shop/web", range: "10.0.0.0/8 except 10.1.0.0/16", ports: ["TCP/443"], allowed: true });
    // Each row is one line, written exactly as JSON.stringify would write the row.
    const lines = formatJson(matrix, [], [], { external }).split("\n").filter((l) => l.startsWith('    {"direction":'));
    assert.deepEqual(
      lines.map((l) => l.trim().replace(/,$/, "")),
      external.map((e) => JSON.stringify(e)),
    );
    assert.match(formatTable(matrix, { external }), /Outside the cluster[^]*?0\.0\.0\.0\/0\):\n {2}shop\/job -> 0\.0\.0\.0\/0 \(all\): allowed all ports\n {2}shop\/web -> everything else \(IPv4\): denied\n {2}shop\/web -> 10\.0\.0\.0\/8 except 10\.1\.0\.0\/16: allowed TCP\/443\n/);
    const csv = formatCsv(matrix, { external }).split("\n");
    assert.ok(csv.includes("shop/web,ip:10.0.0.0/8 except 10.1.0.0/16,443,TCP,true,"), csv.join("\n"));
    assert.ok(csv.includes("shop/web,ip:10.1.0.0/16,,,false,"));
    const picture = formatMermaid(matrix, { external });
    assert.match(picture, /ip_[^(]+\(\["10\.0\.0\.0\/8 except 10\.1\.0\.0\/16"\]\)/);
    assert.match(picture, /pod_shop_2f_web -->\|"TCP\/443"\| ip_/);
    assert.doesNotMatch(picture, /\(\["10\.1\.0\.0\/16"\]\)/, "denied ranges are not drawn");
  });
});
