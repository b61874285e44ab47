/**
 * Every command README.md and docs/*.md show for the offline tools runs as written, and where a
 * block shows a session (`$ command` followed by its output) the output is what it prints.
 * Commands that need what this machine lacks (a cluster, Azure, the Pulumi CLI, kubectl) or that
 * are this suite itself (npm test) are left to the e2e and the workflows.
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { validateConfig, type StackConfig } from "../core/config";
import { diffConnectivity, parseConnectivityReport, renderDiff } from "../core/connectivityDiff";
import { stackIntent } from "../core/intent";
import { probeCallers, probeObjects } from "../core/intentGate";
import { buildModel, computeMatrix } from "../core/netpol";
import { formatJson } from "../core/report";
import { stackObjects } from "../core/stack";
import { readRawStackConfig } from "../core/stackConfigFile";

const ROOT = path.resolve(__dirname, "..");
const DOCS = ["README.md", ...fs.readdirSync(path.join(ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => path.join("docs", f))];

/** Offline commands of this project: the tools that need nothing but the checkout. */
const RUNNABLE = /^(npm run --silent (connectivity|manifests)\b|node -r \.\/cli\/register\.js cli\/connectivity-diff\.ts\b)/;
/** What makes a line need more than the checkout, or a placeholder rather than a value. */
const NOT_HERE = /--kubeconfig|kubectl|\bgit worktree|\[|FILE|NAME\b|\.\.\./;

interface Block {
  file: string;
  line: number;
  lines: string[];
}

function fencedBlocks(file: string): Block[] {
  const lines = fs.readFileSync(path.join(ROOT, file), "utf8").split("\n");
  const blocks: Block[] = [];
  let current: Block | undefined;
  lines.forEach((text, i) => {
    if (/^```/.test(text)) {
      if (current) {
        blocks.push(current);
        current = undefined;
      } else current = { file, line: i + 1, lines: [] };
    } else if (current) current.lines.push(text);
  });
  return blocks;
}

const withoutComment = (line: string) => line.replace(/\s+#\s.*$/, "").trim();

function bash(command: string): { code: number; output: string } {
  const res = spawnSync("bash", ["-c", command], { cwd: ROOT, encoding: "utf8", env: { ...process.env, INIT_CWD: ROOT }, timeout: 60_000 });
  return { code: res.status ?? 1, output: `${res.stdout}${res.stderr}` };
}

describe("documented commands", function () {
  this.timeout(120_000);
  const blocks = DOCS.flatMap(fencedBlocks);

  // Blocks of plain commands: runnable when every command line in them is.
  const commandBlocks = blocks.filter((b) => {
    const commands = b.lines.map(withoutComment).filter((l) => l !== "" && !l.startsWith("$"));
    return commands.length > 0 && b.lines.every((l) => !l.startsWith("$")) && commands.every((c) => RUNNABLE.test(c) && !NOT_HERE.test(c));
  });

  it("finds the offline commands the docs show", () => {
    const runnable = commandBlocks.flatMap((b) => b.lines);
    assert.ok(
      runnable.some((l) => l.includes("manifests > /tmp/stack.yaml")) && runnable.some((l) => l.includes("tests/fixtures/manifests/tutorial-or")),
      `runnable blocks: ${commandBlocks.map((b) => `${b.file}:${b.line}`).join(", ")}`,
    );
  });

  for (const block of commandBlocks) {
    it(`${block.file}:${block.line} runs as written`, () => {
      for (const command of block.lines.map(withoutComment).filter(Boolean)) {
        const res = bash(command);
        assert.equal(res.code, 0, `${command}\n${res.output.slice(0, 2000)}`);
      }
    });
  }

  // Sessions: `$ command` lines, each followed by the output the docs promise.
  for (const block of blocks.filter((b) => b.lines.some((l) => l.startsWith("$ ")))) {
    it(`${block.file}:${block.line} prints what the docs show`, () => {
      let last: { code: number; output: string } | undefined;
      for (let i = 0; i < block.lines.length; i++) {
        const command = block.lines[i].slice(2);
        if (!block.lines[i].startsWith("$ ")) continue;
        const shown: string[] = [];
        for (let j = i + 1; j < block.lines.length && !block.lines[j].startsWith("$ "); j++) shown.push(block.lines[j]);
        const expected = shown.join("\n").trimEnd();
        if (command === "echo $?") {
          assert.ok(last, "echo $? follows a command");
          assert.equal(String(last.code), expected, `exit code of the command before ${block.file}:${block.line + i + 1}`);
          continue;
        }
        assert.ok(RUNNABLE.test(command) && !NOT_HERE.test(command), `${block.file}:${block.line + i + 1}: a session of a command this test cannot run: ${command}`);
        last = bash(command);
        assert.equal(last.output.trimEnd(), expected, `${block.file}:${block.line + i + 1}: ${command}`);
      }
    });
  }
});

describe("output blocks the docs mark as generated", function () {
  this.timeout(120_000);
  const MARKER = /^<!-- generated by: (.+) \(tests\/docs\.test\.ts compares\) -->$/;
  const generated = DOCS.flatMap((file) => {
    const lines = fs.readFileSync(path.join(ROOT, file), "utf8").split("\n");
    return fencedBlocks(file).flatMap((b) => {
      const m = MARKER.exec(lines[b.line - 2] ?? "");
      return m ? [{ ...b, command: m[1] }] : [];
    });
  });

  it("are there: the table and mermaid outputs of docs/connectivity.md", () => {
    assert.ok(generated.filter((b) => b.file === "docs/connectivity.md").length >= 4, generated.map((b) => `${b.file}:${b.line}`).join(", "));
  });

  for (const block of generated) {
    it(`${block.file}:${block.line} is what \`${block.command}\` prints`, () => {
      assert.ok(RUNNABLE.test(block.command), `not a command this test can run: ${block.command}`);
      const res = spawnSync("bash", ["-c", block.command], { cwd: ROOT, encoding: "utf8", env: { ...process.env, INIT_CWD: ROOT }, timeout: 60_000 });
      assert.equal(res.status, 0, res.stderr);
      assert.equal(block.lines.join("\n"), res.stdout.replace(/\n$/, ""), `regenerate ${block.file}:${block.line} from \`${block.command}\``);
    });
  }
});

describe("the PR comment example in docs/guardrails.md", () => {
  it("is what adding the README's callers to the dev stack gives, and the config accepts them", () => {
    const readme = fencedBlocks("README.md").find((b) => b.lines.includes("# Pulumi.dev.yaml"));
    assert.ok(readme, "README shows a Pulumi.dev.yaml with allowedCallers");
    const callers = (parseYaml(readme.lines.join("\n")) as { config: Record<string, unknown> }).config["prices-api-netpol:allowedCallers"];
    const raw = readRawStackConfig("dev", ROOT);
    const base = validateConfig(raw, "dev");
    const head = validateConfig({ ...raw, allowedCallers: callers }, "dev");
    // What the PR workflow runs on each side: `connectivity -- --format json --probes`.
    const report = (config: StackConfig, name: string) =>
      parseConnectivityReport(formatJson(computeMatrix(buildModel([...stackObjects(config), ...probeObjects(probeCallers(stackIntent(config)))]).model), [], [], { explain: true }), name);
    const example = fencedBlocks("docs/guardrails.md").find((b) => b.lines[0] === "### Who can reach whom");
    assert.ok(example, "docs/guardrails.md shows a comment");
    assert.equal(example.lines.join("\n"), renderDiff(diffConnectivity(report(base, "base.json"), report(head, "head.json"))).trimEnd());
  });
});
