/**
 * Every YAML and JSON file we ship parses, so that a broken PulumiPolicy.yaml (an unquoted ": " in a
 * plain scalar, which the Pulumi CLI rejects before any policy runs) is caught without a cluster.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseAllDocuments } from "yaml";

const ROOT = path.resolve(__dirname, "..");
const SKIPPED_DIRS = new Set(["node_modules", ".git", "bin"]);

function shippedFiles(dir = ROOT, out: string[] = []): string[] {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) shippedFiles(path.join(dir, entry.name), out);
    } else if (/\.(ya?ml|json)$/.test(entry.name)) {
      out.push(path.relative(ROOT, path.join(dir, entry.name)));
    }
  }
  return out.sort();
}

/** Parses YAML (every document, duplicate keys refused) or JSON; throws with the file and line. */
export function parseShippedText(file: string, text: string): unknown[] {
  if (file.endsWith(".json")) {
    try {
      return [JSON.parse(text)];
    } catch (err) {
      throw new Error(`${file}: ${(err as Error).message}`, { cause: err });
    }
  }
  const docs = parseAllDocuments(text, { uniqueKeys: true, strict: true });
  const list = Array.isArray(docs) ? docs : [];
  for (const doc of list) {
    const problem = doc.errors[0];
    if (problem) throw new Error(`${file}: ${problem.message.split("\n")[0]}`);
  }
  return list.map((d) => d.toJS());
}

const read = (file: string) => fs.readFileSync(path.join(ROOT, file), "utf8");

describe("shipped YAML and JSON files", () => {
  const files = shippedFiles();

  it("finds the files that matter (project, stacks, policy pack, workflows, fixtures)", () => {
    for (const f of ["Pulumi.yaml", "Pulumi.dev.yaml", "Pulumi.local.yaml", "Pulumi.kind.yaml", "policy/PulumiPolicy.yaml", "package.json", ".github/workflows/e2e.yml"]) {
      assert.ok(files.includes(f), `${f} is checked`);
    }
  });

  for (const file of files) {
    it(`${file} parses`, () => {
      assert.doesNotThrow(() => parseShippedText(file, read(file)));
    });
  }

  it("PulumiPolicy.yaml is a Node.js policy project with a one-line description", () => {
    const [pack] = parseShippedText("policy/PulumiPolicy.yaml", read("policy/PulumiPolicy.yaml")) as Array<Record<string, unknown>>;
    assert.equal(pack.runtime, "nodejs");
    assert.equal(typeof pack.description, "string");
    assert.match(pack.description as string, /^Guardrails for the prices-api stack: /);
  });

  it("rejects the unquoted ': ' that broke PulumiPolicy.yaml, naming the file and line", () => {
    const broken = "runtime: nodejs\ndescription: Guardrails for the prices-api stack: an AKS network policy engine\n";
    assert.throws(() => parseShippedText("policy/PulumiPolicy.yaml", broken), /policy\/PulumiPolicy\.yaml: .*line 2/);
  });

  it("rejects a duplicate key and malformed JSON", () => {
    assert.throws(() => parseShippedText("Pulumi.x.yaml", "config:\n  a: 1\n  a: 2\n"), /Pulumi\.x\.yaml: .*[Uu]nique/);
    assert.throws(() => parseShippedText("x.json", "{\"a\": 1,}"), /x\.json: /);
  });
});
