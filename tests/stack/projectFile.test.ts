import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { CONFIG_DEFAULTS, CONFIG_KEYS, TUTORIAL_CALLER, validateConfig } from "../../core/config";
import { AZURE_NATIVE_CONFIG_KEYS, PROJECT_NAME } from "../../core/configKeys";
import { readRawStackConfig, readStackConfig } from "../../core/stackConfigFile";

const ROOT = path.resolve(__dirname, "../..");
const readYaml = (file: string) => parse(fs.readFileSync(path.join(ROOT, file), "utf8"));
const project = readYaml("Pulumi.yaml");

describe("Pulumi.yaml and the stack files", () => {
  it("declares every key the program reads, with a type Pulumi accepts, a default and a description", () => {
    assert.deepEqual(Object.keys(project.config).sort(), [...CONFIG_KEYS].sort());
    for (const [key, decl] of Object.entries<Record<string, unknown>>(project.config)) {
      assert.ok(["string", "integer", "boolean", "array"].includes(decl.type as string), `${key} has a valid type`);
      assert.ok("default" in decl, `${key} has a default`);
      assert.ok(typeof decl.description === "string" && decl.description.length > 20, `${key} is described`);
    }
    // The structured key: an array of objects, so the Pulumi CLI checks its shape too.
    assert.deepEqual([project.config.allowedCallers.type, project.config.allowedCallers.items], ["array", { type: "object" }]);
  });

  it("its defaults are the program's defaults", () => {
    const defaults = Object.fromEntries(Object.entries<Record<string, unknown>>(project.config).map(([k, d]) => [k, d.default]));
    const config = validateConfig({ ...defaults, "azure-native:location": "australiaeast" }, "dev");
    for (const [key, value] of Object.entries(CONFIG_DEFAULTS)) assert.deepEqual(config[key as keyof typeof config], value, key);
    assert.deepEqual(config.allowedCallers, [TUTORIAL_CALLER]);
    assert.equal(config.kubernetesVersion, undefined, "an empty default means the AKS default version");
  });

  it("runs the program transpile-only and keeps state local, so no account is needed", () => {
    assert.equal(project.runtime.name, "nodejs");
    assert.equal(project.runtime.options.typescript, true);
    const pulumiTsconfig = JSON.parse(fs.readFileSync(path.join(ROOT, project.runtime.options.tsconfig), "utf8"));
    assert.equal(pulumiTsconfig.extends, "./tsconfig.json");
    assert.equal(pulumiTsconfig.compilerOptions.noCheck, true);
    const checked = JSON.parse(fs.readFileSync(path.join(ROOT, "tsconfig.json"), "utf8"));
    assert.notEqual(checked.compilerOptions.noCheck, true, "npm test type-checks with tsconfig.json");
    assert.equal(project.backend.url, "file://~");
  });

  it("dev is the tutorial's cluster and local creates no Azure resources", () => {
    const dev = readStackConfig("dev", ROOT);
    assert.deepEqual(
      [dev.clusterMode, dev.location, dev.nodeCount, dev.nodeVmSize, dev.nodeOsDiskSizeGb, dev.networkPolicy],
      ["aks", "australiaeast", 1, "Standard_B2s", 32, "azure"],
    );
    assert.deepEqual(dev.allowedCallers, [TUTORIAL_CALLER]);
    assert.equal(readStackConfig("local", ROOT).clusterMode, "existing");
  });

  it("no stack file commits a secret", () => {
    for (const file of fs.readdirSync(ROOT).filter((f) => /^Pulumi\..+\.yaml$/.test(f))) {
      const config: Record<string, unknown> = readYaml(file)?.config ?? {};
      for (const [key, value] of Object.entries(config)) {
        assert.doesNotMatch(key, /password|token|secret|kubeconfig|passphrase/i, `${file}: ${key}`);
        assert.ok(!(value !== null && typeof value === "object" && "secure" in value), `${file}: ${key} is not an encrypted value`);
      }
    }
  });

  it("a missing stack file is a config error that names it and lists the stacks there are", () => {
    assert.throws(() => readRawStackConfig("nope", ROOT), /stack "nope" has no Pulumi\.nope\.yaml in .*; the stacks are dev, kind, local$/);
    assert.throws(() => readRawStackConfig("Dev", ROOT), /stack "Dev" has no Pulumi\.Dev\.yaml in .*; did you mean dev\? the stacks are dev, kind, local$/);
  });

  it("is stored as `pulumi stack init` rewrites it: every scalar as a string, so init adds only encryptionsalt", () => {
    // Pulumi CLI 3.248.0 rewrote `prices-api-netpol:nodeCount: 1` as "1" on `pulumi stack init dev`.
    for (const file of fs.readdirSync(ROOT).filter((f) => /^Pulumi\..+\.yaml$/.test(f))) {
      for (const [key, value] of Object.entries<unknown>(readYaml(file).config ?? {})) {
        if (value !== null && typeof value === "object") continue;
        assert.equal(typeof value, "string", `${file}: ${key} is ${JSON.stringify(value)}, which pulumi stack init rewrites as "${String(value)}"`);
      }
    }
  });

  it("refuses a top-level key Pulumi would ignore, and config keys of a namespace nobody reads", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stackfile-"));
    fs.copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
    fs.writeFileSync(path.join(dir, "Pulumi.confg.yaml"), "confg:\n  prices-api-netpol:nodeCount: 3\n");
    fs.writeFileSync(path.join(dir, "Pulumi.prefix.yaml"), "config:\n  azure-native:location: australiaeast\n  prices-api:networkPolicy: none\n  azure-native:subscriptionId: x\n  kubernetes:context: kind-x\n");
    assert.throws(() => readRawStackConfig("confg", dir), /Pulumi\.confg\.yaml: top-level confg: is no stack setting, so Pulumi ignores it; did you mean config:\?/);
    assert.throws(() => readStackConfig("prefix", dir), (e: unknown) => e instanceof Error && /prices-api:networkPolicy: .*did you mean prices-api-netpol:networkPolicy\?/.test(e.message) && !/subscriptionId|kubernetes:context/.test(e.message));
  });

  it("knows every setting of the azure-native provider it pins", () => {
    const vars = fs.readFileSync(path.join(ROOT, "node_modules", "@pulumi", "azure-native", "config", "vars.d.ts"), "utf8");
    assert.deepEqual([...vars.matchAll(/^export declare const (\w+):/gm)].map((m) => m[1]).sort(), [...AZURE_NATIVE_CONFIG_KEYS].sort());
    assert.equal(project.name, PROJECT_NAME);
  });

  it("an empty stack file, or one that is a list, is an error rather than empty config", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stackfile-"));
    fs.copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
    fs.writeFileSync(path.join(dir, "Pulumi.empty.yaml"), "# nothing\n");
    fs.writeFileSync(path.join(dir, "Pulumi.list.yaml"), "- prices-api-netpol:nodeCount: 3\n");
    fs.writeFileSync(path.join(dir, "Pulumi.typo.yaml"), "config:\n  prices-api-netpol:nodecount: 3\n");
    assert.throws(() => readRawStackConfig("empty", dir), /Pulumi\.empty\.yaml is empty; expected a mapping with a config: key/);
    assert.throws(() => readRawStackConfig("list", dir), /Pulumi\.list\.yaml is a YAML list; expected a mapping/);
    assert.throws(() => readStackConfig("typo", dir), /nodecount is 3; no such key; did you mean nodeCount\?/);
  });

  it("a __proto__ key in a stack file changes nothing the tools see; it is reported as an unknown key", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stackfile-"));
    fs.copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
    fs.writeFileSync(path.join(dir, "Pulumi.proto.yaml"), "config:\n  __proto__:\n    clusterMode: existing\n    networkPolicy: none\n  azure-native:location: australiaeast\n");
    const raw = readRawStackConfig("proto", dir);
    assert.equal(Object.getPrototypeOf(raw), null);
    assert.equal(raw.clusterMode, "aks", "Pulumi.yaml's default, not the __proto__ payload");
    assert.throws(() => readStackConfig("proto", dir), /__proto__ is .*no such key/);
  });
});
