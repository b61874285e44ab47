import { strict as assert } from "node:assert";
import { missingHostPrograms } from "../../local/hostPrograms";
import { checkClusterFolder } from "../../local/namespaces";
import { clusterLayout, containerdConfig, corednsObjects, kubeletConfig, kubeProxyConfig, kubeRouterArgs, NETWORK } from "../../local/nodeConfig";

const layout = clusterLayout("/home/me/.local/state/prices-api-netpol/local/cluster");

describe("local cluster: what the components are told", () => {
  it("keeps every file of the cluster under its folder", () => {
    for (const [key, value] of Object.entries(layout)) assert.ok(value.startsWith(layout.root), `${key}: ${value}`);
    const toml = containerdConfig(layout, "localhost/pause:3.10.1");
    for (const p of [...toml.matchAll(/(?:root|state|address|conf_dir) = "([^"]+)"/g)].map((m) => m[1])) assert.ok(p.startsWith(layout.root), p);
  });

  it("refuses a folder the mount namespace hides, or one too long for containerd's socket", () => {
    for (const root of ["/run/x", "/var/lib/prices", "/var/log/c"]) assert.throws(() => checkClusterFolder(root), /which the cluster's mount namespace replaces/);
    assert.throws(() => checkClusterFolder(`/tmp/${"x".repeat(90)}`), /too long for a unix socket path/);
    assert.doesNotThrow(() => checkClusterFolder("/tmp/prices-api-e2e-abc/cluster"));
  });

  it("gives containerd what these VMs need: no oom_score_adj writes, cgroupfs, the pause image it was given", () => {
    const toml = containerdConfig(layout, "localhost/pause:3.10.1");
    assert.match(toml, /restrict_oom_score_adj = true/);
    assert.match(toml, /SystemdCgroup = false/);
    assert.match(toml, /sandbox_image = "localhost\/pause:3\.10\.1"/);
  });

  it("runs the kubelet on cgroup v1 with cgroupfs under the cluster's own cgroup root, never garbage-collecting the imported images", () => {
    const config = JSON.parse(kubeletConfig(layout, { caCert: "ca", servingCert: { cert: "c", key: "k" }, cgroupRoot: "/prices-api-netpol-local" }));
    assert.equal(config.failCgroupV1, false);
    assert.equal(config.cgroupDriver, "cgroupfs");
    assert.equal(config.cgroupRoot, "/prices-api-netpol-local");
    assert.equal(config.imageGCHighThresholdPercent, 100);
    assert.deepEqual(config.clusterDNS, [NETWORK.dnsServiceIp]);
    assert.equal(config.authentication.anonymous.enabled, false);
  });

  it("puts kube-proxy's mode in its config file (the flag is ignored with --config) and leaves the machine's conntrack limit alone", () => {
    const config = JSON.parse(kubeProxyConfig("/k"));
    assert.equal(config.mode, "iptables");
    assert.equal(config.conntrack.maxPerCore, 0);
  });

  it("runs only kube-router's network policy controller", () => {
    const args = kubeRouterArgs("/k");
    for (const a of ["--run-firewall=true", "--run-router=false", "--run-service-proxy=false", "--enable-cni=false"]) assert.ok(args.includes(a), a);
  });

  it("serves cluster DNS without a forward plugin: no query leaves the cluster", () => {
    const config = corednsObjects("localhost/coredns:v1.15.0").find((o) => o.kind === "ConfigMap") as { data: { Corefile: string } } | undefined;
    assert.ok(config);
    assert.match(config.data.Corefile, /kubernetes cluster\.local/);
    assert.doesNotMatch(config.data.Corefile, /forward|proxy/);
  });
});

describe("local cluster: the machine's own programs", () => {
  it("names each missing program with its Debian package and the apt-get line, before anything starts", () => {
    const message = missingHostPrograms("/nonexistent");
    assert.ok(message);
    assert.match(message, /^the local cluster needs containerd \(Debian package containerd\), .*ipset \(Debian package ipset\)/);
    assert.match(message, /; install them with: apt-get install containerd runc .*ipset/);
  });
});
