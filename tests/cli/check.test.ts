import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { checkMain, type CheckIO } from "../../cli/check";
import { checkCommand } from "../../core/stack/checkCommands";
import { readStackConfig } from "../../core/stackConfigFile";
import { aksKubeconfig } from "../stack/kubeconfigFixtures";
import { PROJECT_DIR } from "./helpers";

/** Runs `check` in-process with a runner that records the argv and answers with `exitCode`. */
async function check(argv: string[], exitCode: number | null = 0, extra: Partial<CheckIO> = {}) {
  let stdout = "";
  let stderr = "";
  const ran: string[][] = [];
  const code = await checkMain(argv, {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    projectDir: PROJECT_DIR,
    env: {},
    run: async (command) => {
      ran.push(command);
      return exitCode;
    },
    ...extra,
  });
  return { code, stdout, stderr, ran };
}

describe("npm run check", () => {
  const local = readStackConfig("local", PROJECT_DIR);

  it("runs exactly checkCommand's kubectl argv for the stack, at the stack's kubeContext", async () => {
    const r = await check(["allow", "--stack", "local"]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.ran, [checkCommand("allow", local, { context: local.kubeContext })]);
    assert.equal(r.stdout, "allow check: prices-api answered; as expected\n");
  });

  it("counts a timeout (a DROP) and a refusal (kube-router's REJECT) as blocked for deny, and exits 1 when a check is not as expected", async () => {
    for (const [kind, exit, code] of [["deny", 28, 0], ["deny", 7, 0], ["deny", 0, 1], ["allow", 28, 1], ["allow", 7, 1], ["allow", 1, 1], ["deny", null, 1]] as const) {
      const r = await check([kind, "--stack", "local"], exit);
      assert.equal(r.code, code, `${kind} with exit ${exit}: ${r.stdout}`);
    }
    assert.match((await check(["deny", "--stack", "local"], 0)).stdout, /^deny check: prices-api answered; NOT as expected: the deny check must be blocked\n$/);
  });

  it("points kubectl at --kubeconfig and --context when given", async () => {
    const r = await check(["deny", "--stack", "local", "--kubeconfig", "/tmp/other.yaml", "--context", "other"], 28);
    assert.deepEqual(r.ran, [checkCommand("deny", local, { kubeconfig: "/tmp/other.yaml", context: "other" })]);
  });

  it("exits 2 on bad input, naming it, and runs nothing", async () => {
    const cases: Array<[string[], RegExp]> = [
      [[], /which check\? expected allow or deny/],
      [["maybe"], /"maybe" is not a check; expected allow or deny/],
      [["allow", "deny"], /unexpected argument "deny"/],
      [["allow", "--bogus"], /Unknown option '--bogus'/],
      [["allow", "--stack", "../etc"], /--stack "\.\.\/etc" is not a stack name/],
      [["allow", "--stack", "nosuchstack"], /stack "nosuchstack" has no Pulumi\.nosuchstack\.yaml/],
    ];
    for (const [argv, message] of cases) {
      const r = await check(argv);
      assert.equal(r.code, 2, argv.join(" "));
      assert.match(r.stderr, message);
      assert.deepEqual(r.ran, []);
    }
  });

  it("on an AKS stack, hands kubectl the stack's kubeconfig rebuilt (no command from state), in a private file removed afterwards", async () => {
    const planted = aksKubeconfig({ exec: { apiVersion: "client.authentication.k8s.io/v1beta1", command: "sh", args: ["-c", "echo PWNED"] } });
    let seen: { mode: number; user: Record<string, unknown> } | undefined;
    let file = "";
    const r = await checkMain(["allow", "--stack", "dev"], {
      stdout: () => {},
      stderr: () => {},
      projectDir: PROJECT_DIR,
      env: {},
      stackKubeconfig: async () => planted,
      run: async (argv) => {
        file = argv[argv.indexOf("--kubeconfig") + 1];
        seen = { mode: fs.statSync(file).mode & 0o777, user: parse(fs.readFileSync(file, "utf8")).users[0].user };
        return 0;
      },
    });
    assert.equal(r, 0);
    assert.equal(seen?.mode, 0o600);
    assert.deepEqual((seen?.user.exec as { command: string }).command, "kubelogin");
    assert.doesNotMatch(JSON.stringify(seen), /PWNED/);
    assert.equal(fs.existsSync(file), false, "the temporary kubeconfig is gone");
  });

  it("refuses an AKS stack whose kubeconfig output points elsewhere (exit 1), running nothing", async () => {
    const r = await check(["allow", "--stack", "dev"], 0, { stackKubeconfig: async () => aksKubeconfig({ token: "t" }, "https://collector.example.com") });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^check: no cluster reachable: the kubeconfig output of stack dev names a server that is not an AKS API server/);
    assert.deepEqual(r.ran, []);
  });

  it("is the npm script `check` (a real process), which runs kubectl itself, no shell, and passes its exit code on", function () {
    this.timeout(30_000);
    const bad = spawnSync("npm", ["run", "--silent", "check", "--", "maybe"], { cwd: PROJECT_DIR, encoding: "utf8", timeout: 25_000 });
    assert.equal(bad.status, 2, bad.stderr);
    assert.match(bad.stderr, /"maybe" is not a check/);
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), "check-bin-"));
    try {
      // A kubectl that records its argv, one argument per line, and answers like a dropped connection.
      fs.writeFileSync(path.join(bin, "kubectl"), `#!/bin/sh\nprintf '%s\\n' "$@" > "${bin}/argv"\necho "curl: (28) Connection timed out after 5001 milliseconds" >&2\nexit 28\n`, { mode: 0o755 });
      const env = { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}` };
      const deny = spawnSync("npm", ["run", "--silent", "check", "--", "deny", "--stack", "local"], { cwd: PROJECT_DIR, encoding: "utf8", timeout: 25_000, env });
      assert.equal(deny.status, 0, deny.stderr);
      assert.match(deny.stdout, /^deny check: blocked: no connection within 5s \(curl exit 28\).*; as expected\n$/);
      assert.deepEqual(fs.readFileSync(path.join(bin, "argv"), "utf8").trimEnd().split("\n"), checkCommand("deny", local, { context: local.kubeContext }).slice(1));
      const allow = spawnSync("npm", ["run", "--silent", "check", "--", "allow", "--stack", "local"], { cwd: PROJECT_DIR, encoding: "utf8", timeout: 25_000, env });
      assert.equal(allow.status, 1, "the allowed caller timing out is not as expected");
    } finally {
      fs.rmSync(bin, { recursive: true, force: true });
    }
  });
});
