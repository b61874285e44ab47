/**
 * Reading a file a user (or a pull request) named: only a regular file, and only up to a bound.
 * A path to /dev/zero would otherwise be read until memory runs out, and a FIFO would block for
 * ever; opening without blocking and asking the open file what it is closes both.
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from "node:fs";

/** A file that is not there, not readable, not a regular file or too large; the message says which. */
export class FileReadError extends Error {
  /** @param reason what is wrong, without the file (the caller names it as it names files) */
  constructor(readonly reason: string) {
    super(`cannot read: ${reason}`);
    this.name = "FileReadError";
  }
}

function what(st: Stats): string {
  if (st.isDirectory()) return "a directory";
  if (st.isFIFO()) return "a FIFO";
  if (st.isCharacterDevice()) return "a character device";
  if (st.isBlockDevice()) return "a block device";
  if (st.isSocket()) return "a socket";
  return "not a regular file";
}

const bound = (bytes: number) => `the ${bytes / 1024 / 1024} MiB (${bytes.toLocaleString("en-US")} bytes) this tool reads from one file`;

/** The file's text (UTF-8); throws FileReadError for anything but a regular file of at most `maxBytes`. */
export function readRegularFile(file: string, maxBytes: number): string {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO without a writer returns at once instead of waiting for one.
    fd = openSync(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    throw new FileReadError(`${(e as Error).message}`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new FileReadError(`${what(st)}, not a regular file; only regular files are read`);
    if (st.size > maxBytes) throw new FileReadError(`${st.size.toLocaleString("en-US")} bytes, more than ${bound(maxBytes)}`);
    // The size a file reports is not always what it holds (/proc): the bound applies to what is read.
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(1 << 20, maxBytes + 1 - total));
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      total += n;
      if (total > maxBytes) throw new FileReadError(`more than ${bound(maxBytes)}`);
    }
    return Buffer.concat(chunks, total).toString("utf8");
  } finally {
    closeSync(fd);
  }
}
