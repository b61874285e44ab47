import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { INTERRUPTING_SIGNALS, interruptOnSignals } from "../../cli/interrupt";
import { verifyMain } from "../../cli/verify";
import { connect } from "../../cli/verify/connect";
import { readStackConfig } from "../../core/stackConfigFile";
import { aksKubeconfig } from "../stack/kubeconfigFixtures";
import { PROJECT_DIR } from "./helpers";

/** A kubeconfig whose API server is a closed port on this machine: "connection refused" at once. */
const CLOSED_PORT_KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
- name: nowhere
  cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}
contexts:
- name: nowhere
  context: {cluster: nowhere, user: nobody}
current-context: nowhere
users:
- name: nobody
  user: {token: not-a-token}
`;

async function run(argv: string[], env: NodeJS.ProcessEnv = {}) {
  let stdout = "";
  let stderr = "";
  const code = await verifyMain(argv, {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    projectDir: PROJECT_DIR,
    env,
  });
  return { code, stdout, stderr };
}

describe("verify: command line without a cluster", () => {
  let dir: string;
  let kubeconfig: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "verify-cli-"));
    kubeconfig = path.join(dir, "closed-port.yaml");
    fs.writeFileSync(kubeconfig, CLOSED_PORT_KUBECONFIG);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("prints its usage with --help and exits 0", async () => {
    const r = await run(["--help"]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^Usage: npm run verify -- \[--stack NAME\] \[--kubeconfig FILE\]/);
    assert.match(r.stdout, /kubectl delete pods,namespaces -A -l app\.kubernetes\.io\/managed-by=netpol-verify/);
  });

  it("exits 2 on bad arguments, naming the problem", async () => {
    const cases: Array<[string[], RegExp]> = [
      [["--bogus"], /Unknown option '--bogus'/],
      [["--stack", "../etc"], /--stack "\.\.\/etc" is not a stack name/],
      [["--timeout", "0"], /--timeout "0" is out of range; expected a number of seconds above 0 and at most 3600$/m],
      [["--timeout", "7200"], /--timeout "7200" is out of range; expected a number of seconds above 0 and at most 3600$/m],
      [["--request-timeout", "soon"], /--request-timeout "soon" is not a number of seconds/],
      [["extra"], /Unexpected argument 'extra'/],
    ];
    for (const [argv, message] of cases) {
      const r = await run(argv);
      assert.equal(r.code, 2, argv.join(" "));
      assert.match(r.stderr, message);
    }
  });

  it("exits 2 when the stack has no config file", async () => {
    const r = await run(["--stack", "nosuchstack"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /stack "nosuchstack" has no Pulumi\.nosuchstack\.yaml/);
  });

  it("off a terminal, asks for --yes before using the current context, after saying which one it is", async () => {
    const r = await run([], { KUBECONFIG: kubeconfig });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /verify would create probe namespaces and pods on context nowhere \(https:\/\/127\.0\.0\.1:1\) from kubeconfig \S+closed-port\.yaml; not on a terminal, so confirm with --yes/);
    const confirmed = await run(["--yes", "--request-timeout", "5"], { KUBECONFIG: kubeconfig });
    assert.equal(confirmed.code, 1, "goes on, and meets the closed port");
    assert.match(confirmed.stderr, /connection refused at https:\/\/127\.0\.0\.1:1/);
  });

  it("stops on SIGHUP as on SIGINT and SIGTERM (a closed terminal must still clean up)", () => {
    for (const signal of INTERRUPTING_SIGNALS) {
      const controller = new AbortController();
      const dispose = interruptOnSignals(controller, "the probe pods and namespaces", "kubectl delete ...");
      const write = process.stderr.write;
      process.stderr.write = (() => true) as typeof process.stderr.write;
      try {
        process.emit(signal, signal);
      } finally {
        process.stderr.write = write;
        dispose();
      }
      assert.equal(controller.signal.aborted, true, signal);
    }
    assert.deepEqual([...INTERRUPTING_SIGNALS], ["SIGINT", "SIGTERM", "SIGHUP"]);
  });

  it("says no cluster is reachable when there is no kubeconfig at all", async () => {
    const r = await run([], { HOME: dir, PATH: "" });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^no cluster reachable: no kubeconfig \(KUBECONFIG is unset and ~\/\.kube\/config does not exist\)/);
    assert.equal(r.stdout, "");
  });

  it("says no cluster is reachable when --kubeconfig names a missing file or context", async () => {
    const missing = await run(["--kubeconfig", path.join(dir, "nope.yaml")]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no cluster reachable: kubeconfig \S+nope\.yaml does not exist/);
    const context = await run(["--kubeconfig", kubeconfig, "--context", "prod"]);
    assert.equal(context.code, 1);
    assert.match(context.stderr, /no cluster reachable: kubeconfig \S+ has no context "prod" \(it has: nowhere\)/);
  });

  it("says an empty kubeconfig is empty, and where it probably came from", async () => {
    const empty = path.join(dir, "empty.yaml");
    fs.writeFileSync(empty, "\n");
    const r = await run(["--kubeconfig", empty]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^no cluster reachable: kubeconfig \S+empty\.yaml is empty: did `pulumi stack output kubeconfig --show-secrets` fail/);
  });

  it("says a malformed kubeconfig is not valid YAML, with file, line and column only: never its content", async () => {
    const broken = path.join(dir, "broken.yaml");
    fs.writeFileSync(broken, "apiVersion: v1\nusers:\n- name: u\n  user:\n    token: s3cr3t-token-value\n   bad: [\n");
    const r = await run(["--kubeconfig", broken]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `no cluster reachable: kubeconfig ${broken} is not valid YAML (line 6, column 4)\n`);
    assert.doesNotMatch(r.stderr + r.stdout, /s3cr3t|token|bad:/);
    const viaEnv = await run(["--yes"], { KUBECONFIG: broken });
    assert.equal(viaEnv.code, 1);
    assert.equal(viaEnv.stderr, `no cluster reachable: kubeconfig ${broken} is not valid YAML (line 6, column 4)\n`);
  });

  it("says the same of a stack's malformed kubeconfig output, without a stack trace or its content", async () => {
    let stderr = "";
    const code = await verifyMain(["--stack", "dev"], {
      stdout: () => {},
      stderr: (t) => void (stderr += t),
      projectDir: PROJECT_DIR,
      env: {},
      stackKubeconfig: async () => "apiVersion: v1\nclusters:\n- cluster:\n    server: https://x.hcp.australiaeast.azmk8s.io:443\n  token: \"s3cr3t\n",
    });
    assert.equal(code, 1);
    assert.match(stderr, /^no cluster reachable: the kubeconfig output of stack dev is not valid YAML \(line \d+, column \d+\)\n$/);
    assert.doesNotMatch(stderr, /s3cr3t|\n\s+at /);
  });

  it("says a server that answers with an HTML page is not a Kubernetes API server", async () => {
    const server = http.createServer((_req, res) => {
      res.writeHead(404, { "content-type": "text/html" });
      res.end("<html><body><h1>404 Not Found</h1></body></html>");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const file = path.join(dir, "web-server.yaml");
      fs.writeFileSync(file, CLOSED_PORT_KUBECONFIG.replace('"https://127.0.0.1:1"', `"${url}"`));
      const r = await run(["--kubeconfig", file, "--request-timeout", "5"]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`no cluster reachable: ${url.replace(/[.]/g, "\\.")} did not answer like a Kubernetes API server \\(HTTP 404\\)`));
      assert.doesNotMatch(r.stderr, /<html>/);
    } finally {
      server.close();
    }
  });

  it("says no cluster is reachable when --stack needs the Pulumi CLI and it is missing", async () => {
    const r = await run(["--stack", "dev"], { HOME: dir, PATH: "" });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no cluster reachable: reading the kubeconfig output of stack dev needs the Pulumi CLI, which is not on PATH/);
  });

  it("says the connection was refused when the API server's port is closed, and never reports success", async () => {
    const r = await run(["--kubeconfig", kubeconfig, "--request-timeout", "5"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no cluster reachable: connection refused at https:\/\/127\.0\.0\.1:1 \(context nowhere from kubeconfig \S+closed-port\.yaml\)/);
    assert.doesNotMatch(r.stdout, /OK/);
  });

  it("`npm run verify` itself exits 1 with the same message (a real process, as a user runs it)", function () {
    this.timeout(60_000);
    const r = spawnSync("npm", ["run", "--silent", "verify", "--", "--kubeconfig", kubeconfig, "--request-timeout", "5"], {
      cwd: PROJECT_DIR,
      encoding: "utf8",
      timeout: 55_000,
    });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /no cluster reachable: connection refused at https:\/\/127\.0\.0\.1:1/);
  });
});

describe("verify: the kubeconfig output of an AKS stack", () => {
  const connectTo = (output: string) =>
    connect({ stack: "dev", config: readStackConfig("dev", PROJECT_DIR), projectDir: PROJECT_DIR, env: {}, stackKubeconfig: async () => output });

  it("runs no command the state names: an exec user becomes this project's kubelogin", async () => {
    const planted = aksKubeconfig({ exec: { apiVersion: "client.authentication.k8s.io/v1beta1", command: "sh", args: ["-c", "echo PWNED; id -un"] } });
    const connection = await connectTo(planted);
    const exec = connection.kubeConfig.getCurrentUser()?.exec as { command: string; args: string[]; env?: unknown } | undefined;
    assert.deepEqual([exec?.command, exec?.args, exec?.env], ["kubelogin", ["get-token", "--login", "azurecli", "--server-id", "6dae42f8-4368-4678-94ff-3960e28e3630"], undefined]);
    assert.match(connection.description, /^context aks \(https:\/\/policy-demo-dev-abc123\.hcp\.australiaeast\.azmk8s\.io:443\) from the kubeconfig output of stack dev$/);
  });

  it("sends nothing to a server that is not AKS's", async () => {
    await assert.rejects(connectTo(aksKubeconfig({ token: "t" }, "https://collector.example.com")), /^NoClusterError: no cluster reachable: the kubeconfig output of stack dev names a server that is not an AKS API server/);
  });
});
