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
  const separator = encoder.encode(parts.separator ?? "");
  const sources: Array<Uint8Array | undefined> = new Array(ids.length);
  // The current destination's parts, by port position and verdict (2k + allowed).
  let destinations: Array<Uint8Array | undefined> = [];
  let destination = -1;
  let piece = new Uint8Array(PIECE_BYTES);
  let at = 0;
  let total = 0;
  let allowed = 0;
  const cursor = matrix.cursor();
  while (cursor.next()) {
    const s = cursor.source;
    if (cursor.destination !== destination) {
      destination = cursor.destination;
      destinations = [];
    }
    const ok = cursor.verdict.allowed;
    const slot = 2 * cursor.portIndex + (ok ? 1 : 0);
    const head = sources[s] ?? (sources[s] = encoder.encode(parts.source(ids[s])));
    const tail = destinations[slot] ?? (destinations[slot] = encoder.encode(parts.destination(ids[destination], cursor.port, ok)));
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
  if (at > 0) yield piece.subarray(0, at);
  return { total, allowed };
}
