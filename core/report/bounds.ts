/**
 * How much of the table and the picture is still worth printing. A 5,000-pod table is 25 million
 * lines (1.7 GB) that nobody reads, and mermaid refuses to render more than 500 edges or 50,000
 * characters (its maxEdges and maxTextSize defaults): above that the command prints a summary, and
 * says how to focus the question or get it all. Pure.
 */
import type { ConnectivityMatrix } from "../netpol";
import { summaryText } from "./table";

/** More connections than this, and a table is a dump, not an answer. */
export const TABLE_MAX_CONNECTIONS = 10_000;
/** Mermaid's defaults: a bigger picture renders as an error. */
export const MERMAID_MAX_EDGES = 500;
export const MERMAID_MAX_TEXT = 50_000;

/** The connections the matrix yields and how many are allowed, counted without an object per connection. */
export function countConnections(matrix: ConnectivityMatrix): { total: number; allowed: number } {
  let total = 0;
  let allowed = 0;
  for (const cursor = matrix.cursor(); cursor.next(); ) {
    if (matrix.allowed !== undefined && cursor.verdict.allowed !== matrix.allowed) continue;
    total++;
    if (cursor.verdict.allowed) allowed++;
  }
  return { total, allowed };
}

/** The table's last line: "110 pods (1 class), 11990 connections: 11990 allowed, 0 denied." */
export function matrixSummary(matrix: ConnectivityMatrix, counts: { total: number; allowed: number } = countConnections(matrix)): string {
  return summaryText(matrix.pods.length, matrix.classes, counts.total, counts.allowed);
}

/** The edges a mermaid picture draws (solid and dashed). */
export function mermaidEdgeCount(text: string): number {
  return (text.match(/ -(?:->|\.->)\|/g) ?? []).length;
}

/** What to tell a reader whose answer was too large: ask a narrower question, or for everything. */
export function focusHint(what: string): string {
  return `hint: ${what}; focus it with --to ns/name or --from ns/, take --format json, or print it all with --full`;
}
