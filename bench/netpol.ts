import { buildModel, computeMatrix, type KubeObject } from "../core/netpol";
import { seededRandom } from "../core/seededRandom";

/**
 * Benchmark of the NetworkPolicy engine on deterministic synthetic clusters.
 * Labels repeat across replicas (so pods fold into classes), selectors mix
 * matchLabels / matchExpressions / namespaceSelector, rules use named ports and
 * ipBlocks, and some namespaces carry a default deny, as real clusters do.
 */

interface ClusterShape {
  pods: number;
  namespaces: number;
  policies: number;
}

const APPS = [
  { app: "frontend", tier: "web", ports: [{ name: "http", containerPort: 8080 }] },
  { app: "backend", tier: "api", ports: [{ name: "grpc", containerPort: 9090 }, { name: "metrics", containerPort: 9091 }] },
  { app: "db", tier: "data", ports: [{ name: "pg", containerPort: 5432 }] },
  { app: "cache", tier: "data", ports: [{ name: "redis", containerPort: 6379 }] },
  { app: "dns", tier: "infra", ports: [{ name: "dns", containerPort: 53, protocol: "UDP" }, { name: "dns-tcp", containerPort: 53 }] },
  { app: "worker", tier: "batch", ports: [] as Array<{ name: string; containerPort: number; protocol?: string }> },
];

/** Generates the plain Kubernetes objects of a synthetic cluster. */
export function generateCluster(shape: ClusterShape, seed = 42): KubeObject[] {
  const rnd = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const objects: KubeObject[] = [];
  const nsName = (i: number): string => `ns-${i}`;
  for (let i = 0; i < shape.namespaces; i++) {
    objects.push({
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: nsName(i), labels: { team: `team-${i % 10}`, env: ["prod", "staging", "dev"][i % 3] } },
    });
  }
  for (let p = 0; p < shape.pods; p++) {
    const n = p % shape.namespaces;
    const a = APPS[Math.floor(p / shape.namespaces) % APPS.length];
    const version = rnd() < 0.8 ? "v1" : "v2";
    objects.push({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: `${a.app}-${p}`, namespace: nsName(n), labels: { app: a.app, tier: a.tier, version } },
      spec: { containers: [{ name: "main", image: "example", ports: a.ports }] },
      status: { podIP: `10.${n % 256}.${(p >> 8) % 256}.${p % 256}` },
    });
  }
  const policy = (ns: string, name: string, spec: Record<string, unknown>): KubeObject => ({
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name, namespace: ns },
    spec,
  });
  for (let k = 0; k < shape.policies; k++) {
    const n = k % shape.namespaces;
    const ns = nsName(n);
    const variant = Math.floor(k / shape.namespaces);
    const name = `pol-${k}`;
    if (variant === 0 && n % 5 < 3) {
      objects.push(policy(ns, `default-deny-${k}`, { podSelector: {}, policyTypes: ["Ingress"] }));
      continue;
    }
    switch (k % 6) {
      case 0:
        objects.push(policy(ns, name, {
          podSelector: { matchLabels: { app: "frontend" } },
          ingress: [{ from: [{ namespaceSelector: { matchLabels: { env: pick(["prod", "staging"]) } } }], ports: [{ port: "http" }] }],
        }));
        break;
      case 1:
        objects.push(policy(ns, name, {
          podSelector: { matchLabels: { app: "backend" } },
          ingress: [
            { from: [{ podSelector: { matchLabels: { app: "frontend" } } }], ports: [{ port: 9090 }] },
            { from: [{ namespaceSelector: { matchLabels: { team: `team-${n % 10}` } }, podSelector: { matchExpressions: [{ key: "tier", operator: "In", values: ["web", "api"] }] } }], ports: [{ port: 9091, endPort: 9099 }] },
          ],
        }));
        break;
      case 2:
        objects.push(policy(ns, name, {
          podSelector: { matchExpressions: [{ key: "tier", operator: "In", values: ["data"] }] },
          ingress: [{ from: [{ podSelector: { matchLabels: { tier: "api" } } }, { ipBlock: { cidr: `10.${n % 256}.0.0/16`, except: [`10.${n % 256}.1.0/24`] } }], ports: [{ port: "pg" }, { port: "redis" }] }],
        }));
        break;
      case 3:
        objects.push(policy(ns, name, {
          podSelector: { matchExpressions: [{ key: "app", operator: "NotIn", values: ["dns"] }] },
          policyTypes: ["Egress"],
          egress: [
            { to: [{ namespaceSelector: {}, podSelector: { matchLabels: { app: "dns" } } }], ports: [{ protocol: "UDP", port: 53 }, { port: "dns-tcp" }] },
            { to: [{ podSelector: {} }] },
            { to: [{ ipBlock: { cidr: "10.0.0.0/8", except: [`10.${(n + 1) % 256}.0.0/16`] } }], ports: [{ port: 443 }] },
          ],
        }));
        break;
      case 4:
        objects.push(policy(ns, name, {
          podSelector: { matchLabels: { version: "v2" } },
          ingress: [{ from: [{ namespaceSelector: { matchExpressions: [{ key: "env", operator: "NotIn", values: ["dev"] }] } }] }],
        }));
        break;
      default:
        objects.push(policy(ns, name, {
          podSelector: { matchLabels: { app: pick(["worker", "cache", "frontend"]) } },
          policyTypes: ["Ingress", "Egress"],
          ingress: [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": nsName((n + 1) % shape.namespaces) } } }] }],
          egress: [{ to: [{ namespaceSelector: { matchLabels: { team: `team-${(n + 3) % 10}` } } }] }, { ports: [{ protocol: "UDP", port: 53 }] }],
        }));
    }
  }
  return objects;
}

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

async function runOne(shape: ClusterShape): Promise<string> {
  const objects = generateCluster(shape);
  let peakHeap = process.memoryUsage().heapUsed;
  const t0 = process.hrtime.bigint();
  const { model } = buildModel(objects);
  const t1 = process.hrtime.bigint();
  const matrix = computeMatrix(model);
  let count = 0;
  let allowed = 0;
  for (const c of matrix.connections()) {
    count++;
    if (c.allowed) allowed++;
    if ((count & 0xfffff) === 0) peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  }
  const t2 = process.hrtime.bigint();
  peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  const ms = (a: bigint, b: bigint): string => `${(Number(b - a) / 1e6).toFixed(0)} ms`;
  const maxRSS = process.resourceUsage().maxRSS * 1024;
  return [
    `cluster ${shape.pods} pods / ${shape.namespaces} namespaces / ${shape.policies} policies`,
    `  build model (validate ${objects.length} objects): ${ms(t0, t1)}`,
    `  full matrix (iterate connections()):   ${ms(t1, t2)}`,
    `  pods ${matrix.pods.length}, classes ${matrix.classes}, connections ${count} (count ${matrix.count}), allowed ${allowed}`,
    `  peak heap ${mb(peakHeap)}, max RSS ${mb(maxRSS)}`,
  ].join("\n");
}

/** The synthetic clusters every netpol figure is measured on. */
export const BENCH_SHAPES: readonly ClusterShape[] = [
  { pods: 1000, namespaces: 50, policies: 200 },
  { pods: 5000, namespaces: 100, policies: 1000 },
];

/** Runs the benchmark on both synthetic clusters and returns a readable report. */
export async function runNetpolBench(): Promise<string> {
  const parts = ["NetworkPolicy engine benchmark"];
  for (const shape of BENCH_SHAPES) {
    console.error(`bench netpol: ${shape.pods} pods / ${shape.namespaces} namespaces / ${shape.policies} policies ...`);
    parts.push(await runOne(shape));
  }
  return parts.join("\n");
}
