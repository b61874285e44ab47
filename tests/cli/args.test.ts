import { strict as assert } from "node:assert";
import { CONNECTIVITY_OPTIONS, CONNECTIVITY_USAGE, EXIT_USAGE, parseConnectivityArgs, parseManifestsArgs, UsageError } from "../../cli/args";

/** What parseConnectivityArgs returns with nothing given, with `over` in its place. */
const parsed = (over: Record<string, unknown> = {}) => ({ help: false, format: "table", source: { kind: "stack", stack: "dev", probes: true }, query: {}, explain: false, exposure: false, full: false, ...over });

describe("cli/args", () => {
  it("defaults connectivity to the table format, the dev stack and its probe pods", () => {
    assert.deepEqual(parseConnectivityArgs([]), parsed());
    assert.deepEqual(parseConnectivityArgs(["--no-probes"]), parsed({ source: { kind: "stack", stack: "dev", probes: false } }));
  });

  it("reads format, stack, probes and paths in long and short form", () => {
    assert.deepEqual(parseConnectivityArgs(["--format", "json", "--stack", "local", "--probes"]), parsed({ format: "json", source: { kind: "stack", stack: "local", probes: true } }));
    assert.deepEqual(parseConnectivityArgs(["-f", "mermaid", "-p", "-s", "local"]), parsed({ format: "mermaid", source: { kind: "stack", stack: "local", probes: true } }));
    assert.deepEqual(parseConnectivityArgs(["-f", "mermaid", "a.yaml", "dir/"]), parsed({ format: "mermaid", source: { kind: "paths", paths: ["a.yaml", "dir/"] } }));
    assert.deepEqual(parseConnectivityArgs(["--format=csv"]).help, false);
  });

  it("reads a live cluster with --kubeconfig FILE [--context NAME]", () => {
    assert.deepEqual(parseConnectivityArgs(["--kubeconfig", "kc.yaml", "--context", "kind-x", "-f", "json"]), parsed({ format: "json", source: { kind: "live", kubeconfig: "kc.yaml", context: "kind-x" } }));
    assert.deepEqual(parseConnectivityArgs(["-k", "kc.yaml"]), parsed({ source: { kind: "live", kubeconfig: "kc.yaml" } }));
  });

  it("reads focus queries and --explain", () => {
    const args = parseConnectivityArgs(["--to", "pricing-ns/prices-api-deployment", "--from", "critical-project/", "--port", "8080", "--allowed", "--explain", "-f", "json"]);
    assert.deepEqual(args, parsed({ format: "json", query: { from: { namespace: "critical-project" }, to: { namespace: "pricing-ns", name: "prices-api-deployment" }, port: 8080, allowed: true }, explain: true }));
    assert.deepEqual((parseConnectivityArgs(["--denied"]) as { query: unknown }).query, { allowed: false });
  });

  it("reads --exposure with --to and --port, and refuses what does not apply to it", () => {
    assert.equal((parseConnectivityArgs(["--exposure", "--to", "pricing-ns/", "--port", "8080"]) as { exposure: boolean }).exposure, true);
    assert.throws(() => parseConnectivityArgs(["--exposure", "--from", "a/"]), /--exposure answers who could reach a destination; --from, --allowed and --denied do not apply/);
    assert.throws(() => parseConnectivityArgs(["--exposure", "--allowed"]), /do not apply/);
    assert.throws(() => parseConnectivityArgs(["--exposure", "-f", "csv"]), /--exposure prints table or json, not csv/);
  });

  it("refuses malformed focus queries, naming the option and what it takes", () => {
    assert.throws(() => parseConnectivityArgs(["--to", "prices-api"]), /--to "prices-api" is not ns\/name or ns\/ \(a whole namespace\)/);
    assert.throws(() => parseConnectivityArgs(["--from", "Bad/x"]), /--from "Bad\/x" is not ns\/name/);
    assert.throws(() => parseConnectivityArgs(["--port", "http"]), /--port "http" is not a port number \(1-65535\)/);
    assert.throws(() => parseConnectivityArgs(["--port", "70000"]), /--port "70000"/);
    assert.throws(() => parseConnectivityArgs(["--allowed", "--denied"]), /--allowed and --denied contradict each other/);
  });

  it("refuses a live cluster mixed with another source, and --context without --kubeconfig", () => {
    assert.throws(() => parseConnectivityArgs(["--kubeconfig", "kc.yaml", "manifests/"]), (e: unknown) => e instanceof UsageError && /live cluster.*PATH/.test(e.message));
    assert.throws(() => parseConnectivityArgs(["--kubeconfig", "kc.yaml", "--stack", "dev"]), /--stack reads the stack's config/);
    assert.throws(() => parseConnectivityArgs(["--kubeconfig", "kc.yaml", "--no-probes"]), /a live cluster has its own pods/);
    assert.throws(() => parseConnectivityArgs(["--context", "kind-x"]), /--context selects a context of --kubeconfig FILE/);
    assert.throws(() => parseConnectivityArgs(["--kubeconfig", ""]), /--kubeconfig needs a file/);
  });

  it("answers --help without validating anything else", () => {
    assert.deepEqual(parseConnectivityArgs(["--help"]), { help: true });
    assert.deepEqual(parseManifestsArgs(["-h"]), { help: true });
  });

  it("refuses an unknown format, naming the accepted ones, with exit code 2", () => {
    assert.throws(
      () => parseConnectivityArgs(["--format", "xml"]),
      (err: unknown) =>
        err instanceof UsageError &&
        err.exitCode === EXIT_USAGE &&
        err.message === '--format "xml" is not a format; expected one of table, json, csv, mermaid',
    );
  });

  it("refuses unknown options, a missing option value and stray positionals for manifests", () => {
    assert.throws(() => parseConnectivityArgs(["--fromat", "json"]), (e: unknown) => e instanceof UsageError && /--fromat/.test(e.message));
    assert.throws(() => parseConnectivityArgs(["--format"]), (e: unknown) => e instanceof UsageError && /--format/.test(e.message));
    assert.throws(() => parseManifestsArgs(["extra.yaml"]), (e: unknown) => e instanceof UsageError && /extra\.yaml/.test(e.message));
  });

  it("refuses stack names that are paths, and contradictory combinations", () => {
    assert.throws(() => parseManifestsArgs(["--stack", "../etc/passwd"]), /is not a stack name/);
    assert.throws(() => parseConnectivityArgs(["--stack", "dev", "manifests/"]), /drop one of them/);
    assert.throws(() => parseConnectivityArgs(["--probes", "manifests/"]), /cannot be combined with PATH/);
    assert.throws(() => parseConnectivityArgs(["--no-probes", "manifests/"]), /cannot be combined with PATH/);
    assert.throws(() => parseConnectivityArgs(["--probes", "--no-probes"]), /contradict/);
  });
});

describe("connectivity --help", () => {
  it("names every option, and its usage line the probes choice", () => {
    const [usage] = CONNECTIVITY_USAGE.split("\n");
    assert.match(usage, /\[--probes\|--no-probes\]/);
    for (const [name, o] of Object.entries(CONNECTIVITY_OPTIONS)) {
      assert.ok(CONNECTIVITY_USAGE.includes(`--${name}`), `--${name} is in the help`);
      if ("short" in o) assert.ok(CONNECTIVITY_USAGE.includes(`-${o.short}, --${name}`), `-${o.short} is in the help`);
    }
  });
});

