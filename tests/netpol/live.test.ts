import { strict as assert } from "node:assert";
import { buildModel, computeMatrix, liveEngineObjects, type KubeObject, type LiveObjects } from "../../core/netpol";
import { stackObjects } from "../../core/stack";
import { validateConfig } from "../../core/config";

const owner = (kind: string, name: string) => [{ apiVersion: "v1", kind, name, uid: `${name}-uid`, controller: true }];

function pod(namespace: string, name: string, labels: Record<string, string>, extra: Partial<KubeObject> & { owner?: [string, string]; ip?: string; phase?: string } = {}): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace, labels, uid: `${name}-uid`, ...(extra.owner ? { ownerReferences: owner(...extra.owner) } : {}) } as KubeObject["metadata"],
    spec: { containers: [{ name: "c", image: "x", ports: [{ containerPort: 8080, name: "http", protocol: "TCP" }] }] },
    status: { phase: extra.phase ?? "Running", ...(extra.ip ? { podIP: extra.ip } : {}) },
  };
}

const ns = (name: string, labels: Record<string, string> = {}): KubeObject => ({
  apiVersion: "v1",
  kind: "Namespace",
  metadata: { name, labels: { "kubernetes.io/metadata.name": name, ...labels }, uid: "x", managedFields: [{}] } as KubeObject["metadata"],
  spec: { finalizers: ["kubernetes"] },
});

function live(partial: Partial<LiveObjects>): LiveObjects {
  return { namespaces: [], pods: [], replicaSets: [], jobs: [], networkPolicies: [], ...partial };
}

describe("netpol: a live cluster as engine input", () => {
  it("names a Deployment's pods after the Deployment (Pod → ReplicaSet → Deployment), one endpoint for all replicas", () => {
    const objects = liveEngineObjects(
      live({
        namespaces: [ns("pricing-ns")],
        replicaSets: [{ apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name: "prices-api-deployment-7d9f", namespace: "pricing-ns", ownerReferences: owner("Deployment", "prices-api-deployment") } as KubeObject["metadata"] }],
        pods: [
          pod("pricing-ns", "prices-api-deployment-7d9f-abcde", { app: "prices-api" }, { owner: ["ReplicaSet", "prices-api-deployment-7d9f"], ip: "10.0.0.5" }),
          pod("pricing-ns", "prices-api-deployment-7d9f-fghij", { app: "prices-api" }, { owner: ["ReplicaSet", "prices-api-deployment-7d9f"], ip: "10.0.0.6" }),
        ],
      }),
    );
    const pods = objects.filter((o) => o.kind === "Pod");
    assert.deepEqual(pods.map((p) => `${p.metadata.namespace}/${p.metadata.name}`), ["pricing-ns/prices-api-deployment"]);
    assert.deepEqual(pods[0].status, { podIP: "10.0.0.5" });
    assert.deepEqual((pods[0].spec as { containers: unknown[] }).containers, [{ name: "c", ports: [{ containerPort: 8080, name: "http", protocol: "TCP" }] }]);
  });

  it("names a CronJob's pods after the CronJob, a StatefulSet's after the StatefulSet, and a bare pod after itself", () => {
    const objects = liveEngineObjects(
      live({
        namespaces: [ns("batch")],
        jobs: [{ apiVersion: "batch/v1", kind: "Job", metadata: { name: "nightly-2900", namespace: "batch", ownerReferences: owner("CronJob", "nightly") } as KubeObject["metadata"] }],
        pods: [
          pod("batch", "nightly-2900-x1", { job: "nightly" }, { owner: ["Job", "nightly-2900"] }),
          pod("batch", "db-0", { app: "db" }, { owner: ["StatefulSet", "db"] }),
          pod("batch", "debug", { run: "debug" }),
          // An owner that is gone (or not listed) still names the pod after the nearest owner.
          pod("batch", "orphan-rs-pod", { app: "o" }, { owner: ["ReplicaSet", "vanished-rs"] }),
        ],
      }),
    );
    assert.deepEqual(
      objects.filter((o) => o.kind === "Pod").map((p) => p.metadata.name),
      ["nightly", "db", "debug", "vanished-rs"],
    );
  });

  it("leaves out finished pods and keeps only what decides traffic from namespaces and policies", () => {
    const policy: KubeObject = {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name: "deny", namespace: "a", resourceVersion: "12", managedFields: [{}] } as KubeObject["metadata"],
      spec: { podSelector: {}, policyTypes: ["Ingress"] },
    };
    const objects = liveEngineObjects(
      live({ namespaces: [ns("a", { team: "x" })], networkPolicies: [policy], pods: [pod("a", "done", {}, { phase: "Succeeded" }), pod("a", "failed", {}, { phase: "Failed" }), pod("a", "web", { app: "web" })] }),
    );
    assert.deepEqual(objects, [
      { apiVersion: "v1", kind: "Namespace", metadata: { name: "a", labels: { "kubernetes.io/metadata.name": "a", team: "x" } }, spec: { finalizers: ["kubernetes"] } },
      { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "deny", namespace: "a", labels: {} }, spec: { podSelector: {}, policyTypes: ["Ingress"] } },
      { apiVersion: "v1", kind: "Pod", metadata: { name: "web", namespace: "a", labels: { app: "web" } }, spec: { containers: [{ name: "c", ports: [{ containerPort: 8080, name: "http", protocol: "TCP" }] }] } },
    ]);
  });

  it("gives the same endpoints and verdicts as the stack's own objects when the cluster holds what the stack deployed", () => {
    const config = validateConfig({ clusterMode: "existing", kubeContext: "kind-netpol" }, "local");
    const deployed = stackObjects(config);
    // What the API server serves for them: the Deployment's pod sits under a ReplicaSet.
    const namespaces = deployed.filter((o) => o.kind === "Namespace").map((o) => ns(o.metadata.name, o.metadata.labels));
    const policies = deployed.filter((o) => o.kind === "NetworkPolicy");
    const apiPod = pod("pricing-ns", "prices-api-deployment-5c8-x2", { app: "prices-api" }, { owner: ["ReplicaSet", "prices-api-deployment-5c8"], ip: "10.244.0.9" });
    const caller = pod("critical-project", "consumer", { app: "prices-api-consumer" }, { ip: "10.244.0.10" });
    const objects = liveEngineObjects(
      live({
        namespaces,
        networkPolicies: policies,
        replicaSets: [{ apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name: "prices-api-deployment-5c8", namespace: "pricing-ns", ownerReferences: owner("Deployment", "prices-api-deployment") } as KubeObject["metadata"] }],
        pods: [apiPod, caller],
      }),
    );
    const verdicts = (objs: KubeObject[]) => [...computeMatrix(buildModel(objs).model).connections()].map((c) => `${c.from}->${c.to}:${c.port}=${c.allowed}`).sort();
    const offline = [...deployed.filter((o) => o.kind !== "Pod"), { ...caller, metadata: { name: "consumer", namespace: "critical-project", labels: { app: "prices-api-consumer" } } }];
    assert.deepEqual(verdicts(objects), verdicts(offline));
    assert.ok(verdicts(objects).includes("critical-project/consumer->pricing-ns/prices-api-deployment:8080=true"));
  });
});
