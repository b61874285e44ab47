import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { PROBE_SCRIPT } from "../../core/verify/plan";
import { parseProbeLog, podFailure } from "../../core/verify/result";
import { probeLog, REACHED, REFUSED, TIMED_OUT } from "./fakeCluster";

const opts = { connectTimeoutSeconds: 5 };

describe("verify: probe result parsing", () => {
  it("an HTTP 200 is reached", () => {
    const o = parseProbeLog(REACHED, opts);
    assert.deepEqual([o.observed, o.cause, o.httpStatus, o.detail], ["reached", "http", 200, "HTTP 200"]);
  });

  it("an HTTP error status still counts as reached, and says so", () => {
    for (const code of ["404", "500", "503"]) {
      const o = parseProbeLog(probeLog(0, code, "", "0.002"), opts);
      assert.equal(o.observed, "reached", code);
      assert.equal(o.httpStatus, Number(code));
      assert.match(o.detail, new RegExp(`HTTP ${code} \\(connected; the API answered with an error status\\)`));
    }
  });

  it("a connect timeout (curl exit 28, never connected) is blocked by policy", () => {
    const o = parseProbeLog(TIMED_OUT, opts);
    assert.deepEqual([o.observed, o.cause, o.exitCode], ["blocked", "connect-timeout", 28]);
    assert.equal(o.detail, "blocked: connect timed out after 5s");
  });

  it("a timeout AFTER the handshake is reached (the policy let it through), not blocked", () => {
    const o = parseProbeLog(probeLog(28, "000", "Operation timed out after 10001 milliseconds with 0 bytes received", "0.004"), opts);
    assert.deepEqual([o.observed, o.cause], ["reached", "no-response"]);
    assert.match(o.detail, /connected after 0.004s/);
  });

  it("connection refused (curl exit 7) reads as blocked by a REJECTing enforcer (the report checks it against the round)", () => {
    const o = parseProbeLog(REFUSED, opts);
    assert.deepEqual([o.observed, o.cause, o.exitCode], ["blocked", "refused", 7]);
    assert.equal(o.detail, "blocked: connection refused at once (the enforcer REJECTs, as kube-router does)");
  });

  it("exit 7 for an unreachable host is an error and names the socket error", () => {
    const log = "* connect to 10.43.12.5 port 80 failed: No route to host\n" + probeLog(7, "000", "Failed to connect ...: Couldn't connect to server");
    const o = parseProbeLog(log, opts);
    assert.deepEqual([o.observed, o.cause], ["error", "unreachable"]);
    assert.match(o.detail, /No route to host/);
  });

  it("a DNS failure (curl exit 6) is a probe error", () => {
    const o = parseProbeLog(probeLog(6, "000", "Could not resolve host: prices-api-service.pricing-ns.svc.cluster.local"), opts);
    assert.deepEqual([o.observed, o.cause], ["error", "dns"]);
    assert.match(o.detail, /DNS lookup failed.*Could not resolve host/);
  });

  it("other curl failures are probe errors that keep curl's message", () => {
    const o = parseProbeLog(probeLog(35, "000", "SSL connect error"), opts);
    assert.deepEqual([o.observed, o.cause], ["error", "curl-error"]);
    assert.match(o.detail, /curl exit 35: SSL connect error/);
  });

  it("missing, empty or garbled output is a probe error, never a verdict", () => {
    const cases: Array<[string, RegExp]> = [
      ["", /no NETPOL_PROBE line.*empty log/],
      ["sh: curl: not found\n", /no NETPOL_PROBE line.*curl: not found/],
      ["NETPOL_PROBE exit= http_code=\n", /lacks exit= or http_code=/],
      ["NETPOL_PROBE exit=0 http_code=000 time_connect=0 errormsg=\n", /reported HTTP status 000/],
      ["NETPOL_PROBE http_code=200\n", /lacks exit=/],
      ["NETPOL_PROBE exit=0 http_code=2000\n", /lacks/],
    ];
    for (const [log, detail] of cases) {
      const o = parseProbeLog(log, opts);
      assert.equal(o.observed, "error", JSON.stringify(log));
      assert.equal(o.cause, "garbled", JSON.stringify(log));
      assert.match(o.detail, detail);
    }
  });

  it("takes the last result line and ignores curl's verbose chatter around it", () => {
    const log = "*   Trying 10.43.0.5:80...\n> GET /price/1 HTTP/1.1\n" + TIMED_OUT + "noise\n" + REACHED;
    assert.equal(parseProbeLog(log, opts).observed, "reached");
  });

  it("podFailure is an error with the reason", () => {
    assert.deepEqual(podFailure("ImagePullBackOff"), { observed: "error", cause: "pod-failed", detail: "probe error: ImagePullBackOff" });
  });
});

describe("verify: the probe script's real output parses (local curl)", () => {
  // The script exactly as the pod runs it, minus the start delay that only matters on a cluster.
  const script = PROBE_SCRIPT.replace(/^sleep \d+; /, "");
  // Asynchronous on purpose: a synchronous child would block this process's own test server.
  const probe = (url: string) => promisify(execFile)("sh", ["-c", script], { env: { ...process.env, PROBE_URL: url }, encoding: "utf8", timeout: 20_000 });
  let server: http.Server;
  let port: number;
  before(async () => {
    server = http.createServer((_req, res) => res.writeHead(503).end("down"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => server.close());

  it("an HTTP 503 from a listening server is reached, with the status", async () => {
    const r = await probe(`http://127.0.0.1:${port}/price/1`);
    const o = parseProbeLog(r.stdout + r.stderr, opts);
    assert.deepEqual([o.observed, o.httpStatus], ["reached", 503], r.stdout + r.stderr);
  });

  it("a closed port is refused: read as a REJECT (report.ts judges it against the round)", async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const free = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const r = await probe(`http://127.0.0.1:${free}/price/1`);
    const o = parseProbeLog(r.stdout + r.stderr, opts);
    assert.deepEqual([o.observed, o.cause, o.exitCode], ["blocked", "refused", 7], r.stdout + r.stderr);
  });
});
