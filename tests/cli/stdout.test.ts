/** Large reports to stdout: every byte in order, flat memory behind a slow reader, and a reader that leaves early is no error. */
import { strict as assert } from "node:assert";
import { spawn, spawnSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PROJECT_DIR } from "./helpers";

const MB = 1024 * 1024;
const TOTAL = 256 * MB;

/** A writer of TOTAL bytes in 64 KiB pieces, each filled with its own digit; prints its peak RSS (KB) to stderr. */
const WRITER = `
const { writeAllSync } = require(${JSON.stringify(path.join(PROJECT_DIR, "cli", "stdout.ts"))});
const piece = Buffer.alloc(65536);
for (let i = 0; i < ${TOTAL} / 65536; i++) {
  piece.fill(48 + (i % 10));
  writeAllSync(1, piece);
}
process.stderr.write(String(process.resourceUsage().maxRSS));
`;

function expectedDigest(): string {
  const hash = crypto.createHash("sha256");
  const piece = Buffer.alloc(65536);
  for (let i = 0; i < TOTAL / 65536; i++) hash.update(piece.fill(48 + (i % 10)));
  return hash.digest("hex");
}

describe("writing a large report to stdout", function () {
  this.timeout(60_000);
  let dir: string;
  let writer: string;
  const node = [process.execPath, "-r", path.join(PROJECT_DIR, "cli", "register.js")];
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "prices-api-stdout-"));
    writer = path.join(dir, "writer.js");
    fs.writeFileSync(writer, WRITER);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("through a shell pipe to a reader that starts late: every byte in order, and the writer holds no backlog", () => {
    const res = spawnSync("bash", ["-c", 'set -o pipefail; "$@" | (sleep 0.5; sha256sum)', "bash", ...node, writer], { encoding: "utf8" });
    assert.equal(res.status, 0, res.stderr);
    assert.equal(res.stdout.split(" ")[0], expectedDigest());
    const peakMb = Number(res.stderr.trim()) / 1024;
    assert.ok(peakMb < 160, `peak RSS ${peakMb.toFixed(0)} MB for ${TOTAL / MB} MB written: the writer buffered what the reader had not taken`);
  });

  it("through a pipe whose reader stops early (| head): exit 0, no error", () => {
    const res = spawnSync("bash", ["-c", 'set -o pipefail; "$@" | head -c 10', "bash", ...node, writer], { encoding: "utf8" });
    assert.equal(res.status, 0, res.stderr);
    assert.equal(res.stdout, "0000000000");
    assert.equal(res.stderr, "", "no EPIPE trace");
  });

  it("through a socket (a Node parent's pipe) that is read late: every byte in order", async () => {
    const child = spawn(node[0], [...node.slice(1), writer], { stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.pause();
    await new Promise((r) => setTimeout(r, 300));
    const hash = crypto.createHash("sha256");
    child.stdout.on("data", (d: Buffer) => hash.update(d));
    child.stdout.resume();
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    assert.equal(code, 0);
    assert.equal(hash.digest("hex"), expectedDigest());
  });
});
