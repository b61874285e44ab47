import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { askCluster } from "../../components/clusterAccessProbe";
import { validateConfig } from "../../core/config";
import { accessAnswer, accessReviewBody, clusterRoleAssignments, waitForAccess, type AccessAnswer, type WaitClock } from "../../core/stack/clusterAccess";

/** A clock whose sleeps pass at once, counting them. */
function fakeClock(): WaitClock & { sleeps: number } {
  let t = 0;
  return {
    sleeps: 0,
    now: () => t,
    async sleep(ms) {
      this.sleeps++;
      t += ms;
    },
  };
}

const answers = (...list: Array<AccessAnswer | Error>) => {
  let i = 0;
  return async () => {
    const next = list[Math.min(i++, list.length - 1)];
    if (next instanceof Error) throw next;
    return next;
  };
};

const NOT_YET: AccessAnswer = { allowed: false, reason: "not allowed to create namespaces: no rule allows it yet" };
const YES: AccessAnswer = { allowed: true, reason: "allowed" };

describe("the wait for a role assignment to reach the cluster (core/stack/clusterAccess)", () => {
  it("asks until the cluster allows it, a thrown error counting as not yet", async () => {
    const clock = fakeClock();
    const lines: string[] = [];
    const attempts = await waitForAccess(answers(new Error("kubelogin get-token failed: AADSTS700016"), NOT_YET, YES), { timeoutMs: 600_000, intervalMs: 10_000, clock, who: "me", progress: (l) => lines.push(l) });
    assert.equal(attempts, 3);
    assert.equal(clock.sleeps, 2);
    assert.deepEqual(lines, [
      "waiting for the role assignment to reach the cluster (kubelogin get-token failed: AADSTS700016)",
      "waiting for the role assignment to reach the cluster (not allowed to create namespaces: no rule allows it yet)",
    ]);
  });

  it("gives up at the deadline, not later, saying who waited, how long, and the last answer", async () => {
    const clock = fakeClock();
    await assert.rejects(
      waitForAccess(answers(NOT_YET), { timeoutMs: 600_000, intervalMs: 10_000, clock, who: "The identity kubelogin signs in" }),
      (err: Error) =>
        err.name === "AccessWaitTimeout" &&
        err.message.startsWith("The identity kubelogin signs in still may not create namespaces on the cluster after 600s (last answer: not allowed to create namespaces: no rule allows it yet).") &&
        /az role assignment list --scope <cluster id>/.test(err.message),
    );
    assert.equal(clock.now(), 600_000);
    assert.equal(clock.sleeps, 60);
  });

  it("reads the SelfSubjectAccessReview answer: allowed, denied with its reason, or the HTTP status", () => {
    assert.deepEqual(accessReviewBody(), { apiVersion: "authorization.k8s.io/v1", kind: "SelfSubjectAccessReview", spec: { resourceAttributes: { verb: "create", group: "", resource: "namespaces" } } });
    assert.deepEqual(accessAnswer(201, { status: { allowed: true } }), YES);
    assert.deepEqual(accessAnswer(201, { status: { allowed: false, reason: "" } }), NOT_YET);
    assert.deepEqual(accessAnswer(201, { status: { allowed: false, reason: "azure: access denied" } }), { allowed: false, reason: "not allowed to create namespaces: azure: access denied" });
    assert.deepEqual(accessAnswer(401, { kind: "Status", message: "Unauthorized" }), { allowed: false, reason: "HTTP 401: Unauthorized" });
    assert.deepEqual(accessAnswer(503, undefined), { allowed: false, reason: "HTTP 503" });
  });

  it("plans no role assignment for a local-accounts cluster, which has no Azure RBAC", () => {
    const config = validateConfig({ "azure-native:location": "australiaeast", localAccounts: true }, "demo");
    assert.deepEqual(clusterRoleAssignments(config), []);
    assert.deepEqual(clusterRoleAssignments({ ...config, localAccounts: false }).map((a) => [a.key, a.role.name, a.principalId]), [["deployer-cluster-admin", "Azure Kubernetes Service RBAC Cluster Admin", undefined]]);
  });
});

describe("askCluster: kubelogin's token, one SelfSubjectAccessReview over TLS (components/clusterAccessProbe)", function () {
  this.timeout(20_000);
  let dir: string;
  let server: https.Server;
  let url: string;
  let ca: string;
  const seen: Array<{ authorization?: string; body: string }> = [];
  let allowedAfter = 0;
  const savedPath = process.env.PATH;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "access-probe-"));
    // A throw-away server certificate for 127.0.0.1, which is its own CA.
    execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", "key.pem", "-out", "cert.pem"], { cwd: dir, stdio: "ignore" });
    ca = fs.readFileSync(path.join(dir, "cert.pem")).toString("base64");
    server = https.createServer({ key: fs.readFileSync(path.join(dir, "key.pem")), cert: fs.readFileSync(path.join(dir, "cert.pem")) }, (req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        seen.push({ authorization: req.headers.authorization, body });
        res.writeHead(201, { "content-type": "application/json" });
        res.end(JSON.stringify({ kind: "SelfSubjectAccessReview", status: { allowed: seen.length > allowedAfter } }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    fs.mkdirSync(path.join(dir, "bin"));
    fs.writeFileSync(path.join(dir, "bin", "kubelogin"), `#!/bin/sh\necho "$*" > "${dir}/args"\necho '{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1beta1","status":{"token":"tok-123"}}'\n`, { mode: 0o755 });
  });
  after(() => {
    process.env.PATH = savedPath;
    server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("asks with kubelogin's token and the cluster's CA until the answer is allowed", async () => {
    process.env.PATH = `${path.join(dir, "bin")}${path.delimiter}${savedPath}`;
    allowedAfter = 1;
    const attempts = await waitForAccess(() => askCluster({ server: url, certificateAuthorityData: ca }, ["get-token", "--login", "azurecli"]), {
      timeoutMs: 60_000,
      intervalMs: 1_000,
      clock: fakeClock(),
      who: "me",
    });
    assert.equal(attempts, 2);
    assert.deepEqual(seen.map((s) => s.authorization), ["Bearer tok-123", "Bearer tok-123"]);
    assert.deepEqual(JSON.parse(seen[0].body), accessReviewBody());
    assert.equal(fs.readFileSync(path.join(dir, "args"), "utf8").trim(), "get-token --login azurecli");
  });

  it("says so when kubelogin is missing, and refuses a server whose certificate the CA does not vouch for", async () => {
    process.env.PATH = path.join(dir, "nothing-here");
    await assert.rejects(askCluster({ server: url, certificateAuthorityData: ca }, []), /kubelogin is not on PATH/);
    process.env.PATH = `${path.join(dir, "bin")}${path.delimiter}${savedPath}`;
    const otherCa = Buffer.from("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n").toString("base64");
    await assert.rejects(askCluster({ server: url, certificateAuthorityData: otherCa }, []));
  });
});
