/**
 * Writing a report of any size to stdout with flat memory. `process.stdout.write` to a pipe is
 * asynchronous and buffers whatever the reader has not taken yet: a million-connection report
 * piped into a slower reader used gigabytes. Writing synchronously, and waiting while the pipe is
 * full, holds at most one batch in memory.
 */
import * as fs from "node:fs";

const pause = new Int32Array(new SharedArrayBuffer(4));
const MIN_WAIT_MS = 0.05;
const MAX_WAIT_MS = 2;

/** Writes all of `data` to `fd`, blocking while the reader catches up; EPIPE (reader gone) ends the process quietly. */
export function writeAllSync(fd: number, data: string | Uint8Array): void {
  let buf = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  // A reader that keeps up frees the pipe within microseconds, a paused one (`| less`) not for
  // minutes: start waiting short and back off, so neither costs much time nor spins the CPU.
  let waitMs = MIN_WAIT_MS;
  while (buf.length > 0) {
    try {
      buf = buf.subarray(fs.writeSync(fd, buf));
      waitMs = MIN_WAIT_MS;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "EAGAIN") {
        Atomics.wait(pause, 0, 0, waitMs);
        waitMs = Math.min(waitMs * 2, MAX_WAIT_MS);
        continue;
      }
      if (code === "EPIPE") process.exit(0); // `| head` closed the pipe: nothing left to say
      throw err;
    }
  }
}
