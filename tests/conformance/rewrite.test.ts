import { strict as assert } from "node:assert";
import { parseProbeOutput, probeScript } from "../../core/conformance/probeScript";
import { clusterState, emptyClusterState, reconcile, type ClusterState } from "../../core/conformance/reconcile";
import { RunNames } from "../../core/conformance/runNames";
import { serverPod, serverScript } from "../../core/conformance/serverPod";
import { stateAfter } from "../../core/conformance/state";
import type { KubeObject } from "../../core/netpol";
import { fixtureCase } from "./helpers";

const names = new RunNames("ab12cd34");

const appPod: KubeObject = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "web", namespace: "nc-ab12cd34-x", labels: { app: "web" } },
  spec: {
    serviceAccountName: "web",
    initContainers: [{ name: "migrate", image: "app:1", command: ["migrate"] }],
    containers: [
      {
        name: "app",
        image: "app:1",
        command: ["/app"],
        args: ["--serve"],
        readinessProbe: { httpGet: { path: "/", port: 8080 } },
        resources: { requests: { cpu: "10m" } },
        env: [{ name: "MODE", value: "prod" }],
        ports: [
          { name: "http", containerPort: 8080 },
          { name: "dns", containerPort: 53, protocol: "UDP" },
          { name: "dns-tcp", containerPort: 53, protocol: "TCP" },
        ],
      },
      { name: "sidecar", image: "proxy:2", ports: [{ containerPort: 9000, protocol: "SCTP" }] },
    ],
  },
};

describe("conformance: server pods", () => {
  it("keeps a pod's names, labels, ports and settings, and runs the server image serving each declared port", () => {
    const out = serverPod(appPod, "localhost/agnhost:2.59") as any;
    assert.deepEqual(out.metadata, appPod.metadata);
    assert.equal(out.spec.serviceAccountName, "web");
    assert.equal(out.spec.initContainers, undefined, "init containers would run the case's programs");
    assert.equal(out.spec.terminationGracePeriodSeconds, 1);
    const [app, sidecar] = out.spec.containers;
    assert.equal(app.name, "app");
    assert.deepEqual(app.ports, (appPod.spec as any).containers[0].ports);
    assert.deepEqual(app.resources, { requests: { cpu: "10m" } });
    assert.deepEqual(app.env, [{ name: "MODE", value: "prod" }]);
    assert.equal(app.image, "localhost/agnhost:2.59");
    assert.equal(app.imagePullPolicy, "IfNotPresent");
    assert.equal(app.args, undefined);
    assert.equal(app.readinessProbe, undefined);
    assert.deepEqual(app.command.slice(0, 2), ["/bin/sh", "-c"]);
    assert.equal(app.command[2], "trap 'exit 0' TERM INT\n/agnhost serve-hostname --http=false --tcp --udp --port 53 &\n/agnhost serve-hostname --http=false --tcp --port 8080 &\nwait");
    assert.deepEqual(app.startupProbe.exec.command, [
      "/bin/sh",
      "-c",
      "/agnhost connect --timeout=1s --protocol=tcp 127.0.0.1:8080 && /agnhost connect --timeout=1s --protocol=udp 127.0.0.1:53 && /agnhost connect --timeout=1s --protocol=tcp 127.0.0.1:53",
    ]);
    assert.match(sidecar.command[2], /\/agnhost porter &/);
    assert.deepEqual(sidecar.env, [{ name: "SERVE_SCTP_PORT_9000", value: "foo" }]);
    assert.equal((appPod.spec as any).containers[0].image, "app:1", "the input is not changed");
  });

  it("lets a container without ports idle", () => {
    assert.match(serverScript([]), /\/agnhost pause &\nwait$/);
  });
});

describe("conformance: run names", () => {
  it("prefixes case namespaces and renames namespace-name selectors of case namespaces only", () => {
    const policy: KubeObject = {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name: "p", namespace: "x" },
      spec: {
        podSelector: { matchLabels: { "kubernetes.io/metadata.name": "y" } },
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "y", team: "y" } } }, { namespaceSelector: { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "NotIn", values: ["x", "kube-system"] }] } }] }],
        egress: [{ to: [{ podSelector: {} }] }],
      },
    };
    const out = names.toCluster(policy, new Set(["x", "y", "z"])) as any;
    assert.equal(out.metadata.namespace, "nc-ab12cd34-x");
    assert.deepEqual(out.metadata.labels, { "app.kubernetes.io/managed-by": "netpol-conformance", "netpol-conformance/run-id": "ab12cd34" });
    assert.deepEqual(out.spec.ingress[0].from[0].namespaceSelector.matchLabels, { "kubernetes.io/metadata.name": "nc-ab12cd34-y", team: "y" });
    assert.deepEqual(out.spec.ingress[0].from[1].namespaceSelector.matchExpressions[0].values, ["nc-ab12cd34-x", "kube-system"]);
    assert.deepEqual(out.spec.podSelector, { matchLabels: { "kubernetes.io/metadata.name": "y" } }, "a pod selector is about pod labels");
    assert.deepEqual(out.spec.egress, [{ to: [{ podSelector: {} }] }]);
    const ns = names.toCluster({ apiVersion: "v1", kind: "Namespace", metadata: { name: "y", labels: { "kubernetes.io/metadata.name": "y", ns2: "updated" } } }, new Set(["y"]));
    assert.equal(ns.metadata.name, "nc-ab12cd34-y");
    assert.deepEqual(ns.metadata.labels, { ns2: "updated", "app.kubernetes.io/managed-by": "netpol-conformance", "netpol-conformance/run-id": "ab12cd34" });
    assert.equal(names.casePodId("nc-ab12cd34-y/b"), "y/b");
    assert.equal(names.casePodId("default/b"), "default/b");
    assert.equal(names.caseText("ingress to nc-ab12cd34-x/a is isolated by nc-ab12cd34-x/deny"), "ingress to x/a is isolated by x/deny");
  });

  it("refuses a run id that could not be part of a namespace name", () => {
    assert.throws(() => new RunNames("AB_12"), /run id "AB_12" must be 1 to 8 lowercase letters or digits/);
  });
});

describe("conformance: from one step to the next", () => {
  const stepped = fixtureCase("should-allow-ingress-access-from-updated-pod");
  const state = (step: number) => clusterState(stateAfter(stepped, step), names, "agnhost");
  const kinds = (actions: ReturnType<typeof reconcile>) => actions.map((a) => `${a.kind} ${"object" in a ? a.object.metadata.name : "name" in a ? a.name : ""}`);

  it("creates namespaces first, then pods, then policies", () => {
    const actions = kinds(reconcile(emptyClusterState(), state(1)));
    assert.equal(actions.length, 3 + 9 + 1);
    assert.deepEqual(actions.slice(0, 3), ["createNamespace nc-ab12cd34-x", "createNamespace nc-ab12cd34-y", "createNamespace nc-ab12cd34-z"]);
    assert.equal(actions[12], "createPolicy allow-client-a-via-pod-selector");
  });

  it("relabels a pod in place when only its labels change, and does nothing when nothing does", () => {
    assert.deepEqual(kinds(reconcile(state(1), state(2))), ["labelPod b"]);
    assert.deepEqual(reconcile(state(2), state(2)), []);
  });

  it("keeps the pods of the next case on the same model, and swaps the policies and labels", () => {
    const next = clusterState(stateAfter(fixtureCase("should-allow-ingress-access-from-updated-namespace"), 2), names, "agnhost");
    assert.deepEqual(kinds(reconcile(state(2), next)), ["labelNamespace nc-ab12cd34-y", "labelPod b", "deletePolicy allow-client-a-via-pod-selector", "createPolicy allow-client-a-via-ns-selector"]);
  });

  it("replaces a changed policy, recreates a pod whose spec changed, and deletes a namespace with everything in it", () => {
    const before = state(1);
    const after: ClusterState = { namespaces: new Map(before.namespaces), pods: new Map(before.pods), policies: new Map() };
    for (const [k, p] of before.policies) after.policies.set(k, { ...p, spec: { podSelector: {} } });
    after.namespaces.delete("nc-ab12cd34-z");
    for (const k of [...after.pods.keys()]) if (k.startsWith("nc-ab12cd34-z/")) after.pods.delete(k);
    const a = before.pods.get("nc-ab12cd34-x/a")!;
    after.pods.set("nc-ab12cd34-x/a", { ...a, spec: { ...(a.spec as object), hostname: "other" } });
    assert.deepEqual(kinds(reconcile(before, after)), ["deletePod a", "createPod a", "replacePolicy allow-client-a-via-pod-selector", "deleteNamespace nc-ab12cd34-z"]);
  });
});

describe("conformance: the probe script", () => {
  const targets = [
    { cell: 7, ip: "10.244.0.5", port: 80, protocol: "TCP" as const },
    { cell: 9, ip: "fd00::5", port: 81, protocol: "UDP" as const },
    { cell: 11, ip: "10.244.0.6", port: 82, protocol: "SCTP" as const },
  ];

  it("runs every probe of a source pod at once with agnhost connect, by IP and protocol", () => {
    const script = probeScript(targets);
    assert.match(script, /^p\(\) \{ out=\$\(\/agnhost connect --timeout=2s --protocol=\$3 \$2 2>&1\); rc=\$\?; echo "NETPOL_CONFORMANCE \$1 \$rc/);
    assert.deepEqual(script.split("\n").slice(1), ["p 0 10.244.0.5:80 tcp &", "p 1 [fd00::5]:81 udp &", "p 2 10.244.0.6:82 sctp &", "wait"]);
  });

  it("reads connected, timed out and refused, and calls everything else an error", () => {
    const out = ["NETPOL_CONFORMANCE 2 1 REFUSED ", "junk", "NETPOL_CONFORMANCE 0 0 ", "NETPOL_CONFORMANCE 1 1 TIMEOUT: read udp 10.0.0.1:4000->10.0.0.2:81: i/o timeout "].join("\n");
    assert.deepEqual(parseProbeOutput(out, 4), [
      { outcome: "allowed", detail: "connected" },
      { outcome: "blocked", detail: "TIMEOUT" },
      { outcome: "blocked", detail: "REFUSED" },
      { outcome: "error", detail: "the probe printed no result" },
    ]);
    assert.deepEqual(parseProbeOutput("NETPOL_CONFORMANCE 0 1 OTHER: dial tcp: no route to host \n", 1), [{ outcome: "error", detail: "OTHER: dial tcp: no route to host" }]);
  });
});
