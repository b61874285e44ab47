import { strict as assert } from "node:assert";
import { parse } from "yaml";
import { AKS_AAD_SERVER_APP_ID, clusterEndpoint, KubeconfigError, kubeconfigFromStackOutput, kubeloginKubeconfig } from "../../core/stack/kubeconfig";
import { aksKubeconfig, CA, SERVER } from "./kubeconfigFixtures";

const DEVICE_CODE_USER = { exec: { apiVersion: "client.authentication.k8s.io/v1beta1", command: "kubelogin", args: ["get-token", "--login", "devicecode", "--server-id", AKS_AAD_SERVER_APP_ID] } };

describe("AKS kubeconfigs (core/stack/kubeconfig)", () => {
  it("the stack's kubeconfig keeps AKS's server and CA and uses kubelogin with the Azure CLI login, never AKS's own user", () => {
    const config = parse(kubeloginKubeconfig("policy-demo", clusterEndpoint(aksKubeconfig(DEVICE_CODE_USER))));
    assert.deepEqual(config.clusters, [{ name: "policy-demo", cluster: { server: SERVER, "certificate-authority-data": CA } }]);
    assert.equal(config["current-context"], "policy-demo");
    assert.deepEqual(config.users, [
      {
        name: "policy-demo-user",
        user: {
          exec: {
            apiVersion: "client.authentication.k8s.io/v1beta1",
            command: "kubelogin",
            args: ["get-token", "--login", "azurecli", "--server-id", "6dae42f8-4368-4678-94ff-3960e28e3630"],
            installHint: "kubelogin is not on PATH: install it with `az aks install-cli` or from https://azure.github.io/kubelogin/install.html",
            provideClusterInfo: false,
            interactiveMode: "Never",
          },
        },
      },
    ]);
  });

  it("a kubeconfig read back from state runs kubelogin with fixed arguments, whatever command the state names", () => {
    const planted = aksKubeconfig({ exec: { apiVersion: "client.authentication.k8s.io/v1beta1", command: "sh", args: ["-c", "echo PWNED; id -un"], env: [{ name: "X", value: "y" }] } });
    const rebuilt = kubeconfigFromStackOutput(planted);
    assert.doesNotMatch(rebuilt, /PWNED|sh|env/);
    const user = parse(rebuilt).users[0].user;
    assert.deepEqual([user.exec.command, user.exec.args], ["kubelogin", ["get-token", "--login", "azurecli", "--server-id", AKS_AAD_SERVER_APP_ID]]);
    assert.equal(parse(rebuilt).clusters[0].cluster.server, SERVER);
  });

  it("keeps a local-accounts cluster's static credentials as data, and drops every way of running or reading something else", () => {
    const user = { token: "t0ken", "client-certificate-data": "Y2VydA==", "client-key-data": "a2V5", "auth-provider": { name: "azure" }, tokenFile: "/etc/passwd", username: "u", password: "p" };
    assert.deepEqual(parse(kubeconfigFromStackOutput(aksKubeconfig(user))).users[0].user, { token: "t0ken", "client-certificate-data": "Y2VydA==", "client-key-data": "a2V5" });
    assert.throws(() => kubeconfigFromStackOutput(aksKubeconfig({ "auth-provider": { name: "gcp", config: { "cmd-path": "/bin/sh" } } })), /has no credential this project uses/);
  });

  it("sends a token only to an AKS API server with a CA", () => {
    for (const server of ["https://evil.example.com", "http://x.hcp.australiaeast.azmk8s.io", "https://azmk8s.io.evil.example.com", "https://x.azmk8s.io.example.com:443"]) {
      assert.throws(() => kubeconfigFromStackOutput(aksKubeconfig(DEVICE_CODE_USER, server)), /names a server that is not an AKS API server/, server);
    }
    const withoutCa = aksKubeconfig(DEVICE_CODE_USER).replace(/ {4}certificate-authority-data: .*\n/, "    insecure-skip-tls-verify: true\n");
    assert.throws(() => kubeconfigFromStackOutput(withoutCa), /has no certificate-authority-data/);
  });

  it("names a syntax error by line and column only, never quoting the text", () => {
    const broken = aksKubeconfig({ token: "s3cr3t" }).replace('{"token":"s3cr3t"}', '{"token": "s3cr3t"');
    assert.throws(
      () => kubeconfigFromStackOutput(broken),
      (err: unknown) => err instanceof KubeconfigError && /^is not valid YAML \(line \d+, column \d+\)$/.test(err.problem) && !/s3cr3t/.test(err.message),
    );
    assert.throws(() => clusterEndpoint("- a\n- b\n"), /is not a kubeconfig/);
  });
});
