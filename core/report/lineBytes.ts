/**
 * Connection lines encoded straight to bytes, for the lean json and csv formats. At a million
 * connections, building a string per line and encoding it cost most of the CLI's time. But every
 * line is its source's part followed by its (destination, port, verdict)'s part: each part is
 * encoded once, and a line is two copies into a shared piece.
 */
import type { ConnectivityMatrix, PortRef } from "../netpol";

/** How a format spells one connection, in two halves. */
export interface LineParts {
  /** Everything up to the destination, for this source (`namespace/name`). */
  source(id: string): string;
  /** The rest of the line, for this destination, port and verdict. */
  destination(id: string, port: PortRef, allowed: boolean): string;
  /** Written between two lines (json's comma). */
  separator?: string;
}

/** What the lines held, for a summary. */
export interface LineCounts {
  total: number;
  allowed: number;
}

/** Small enough that a piece fits a pipe's buffer while the reader drains the last one. */
const PIECE_BYTES = 32 * 1024;

/**
 * Every connection of the matrix, in its order, as lines in pieces of bytes; returns the counts.
 * Each piece is a view of one buffer that is reused for the next piece (a fresh one per piece
 * cost a tenth of the run in garbage collection), so use a piece before asking for the next.
 */
export function* connectionLineBytes(matrix: ConnectivityMatrix, parts: LineParts): Generator<Uint8Array, LineCounts> {
  const encoder = new TextEncoder();
  const ids = matrix.ids;
  const only = matrix.allowed;
  const separator = encoder.encode(parts.separator ?? "");
  const heads: Array<Uint8Array | undefined> = new Array(ids.length);
  let piece = new Uint8Array(PIECE_BYTES);
  let at = 0;
  let total = 0;
  let allowed = 0;
  // Rows, not a cursor: this loop is the whole cost of a large report, so it reads the verdict
  // arrays directly.
  for (const row of matrix.rows()) {
    const d = row.destination;
    const { sources, sourceClass, verdicts } = row;
    const width = row.ports.length;
    // This destination's halves, by port position and verdict (2k + allowed).
    const tails: Array<Uint8Array | undefined> = new Array(2 * width);
    for (let i = 0; i < sources.length; i++) {
      const s = sources[i];
      if (s === d) continue;
      const head = heads[s] ?? (heads[s] = encoder.encode(parts.source(ids[s])));
      const base = sourceClass[s] * width;
      for (let k = 0; k < width; k++) {
        const ok = verdicts[base + k].allowed;
        if (only !== undefined && ok !== only) continue;
        const slot = 2 * k + (ok ? 1 : 0);
        const tail = tails[slot] ?? (tails[slot] = encoder.encode(parts.destination(ids[d], row.ports[k], ok)));
        const sep = total === 0 ? 0 : separator.length;
        const size = sep + head.length + tail.length;
        if (at + size > piece.length) {
          yield piece.subarray(0, at);
          if (size > piece.length) piece = new Uint8Array(size);
          at = 0;
        }
        if (sep > 0) {
          piece.set(separator, at);
          at += sep;
        }
        piece.set(head, at);
        at += head.length;
        piece.set(tail, at);
        at += tail.length;
        total++;
        if (ok) allowed++;
      }
    }
  }
  if (at > 0) yield piece.subarray(0, at);
  return { total, allowed };
}
