import { strict as assert } from "node:assert";
import { EXIT_USAGE, parseConnectivityArgs, parseManifestsArgs, UsageError } from "../../cli/args";

describe("cli/args", () => {
  it("defaults connectivity to the table format, the dev stack and its probe pods", () => {
    assert.deepEqual(parseConnectivityArgs([]), { help: false, format: "table", stack: "dev", probes: true, paths: [] });
    assert.equal((parseConnectivityArgs(["--no-probes"]) as { probes: boolean }).probes, false);
  });

  it("reads format, stack, probes and paths in long and short form", () => {
    assert.deepEqual(parseConnectivityArgs(["--format", "json", "--stack", "local", "--probes"]), {
      help: false,
      format: "json",
      stack: "local",
      probes: true,
      paths: [],
    });
    assert.deepEqual(parseConnectivityArgs(["-f", "mermaid", "a.yaml", "dir/"]), {
      help: false,
      format: "mermaid",
      stack: "dev",
      probes: false,
      paths: ["a.yaml", "dir/"],
    });
    assert.deepEqual(parseConnectivityArgs(["--format=csv"]).help, false);
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
