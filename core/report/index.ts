/** Output formats of the connectivity matrix. Pure: (matrix, warnings, ignored) → text. */
import type { ConnectivityMatrix, IgnoredObject, LintWarning } from "../netpol";
import { joinChunks, type ReportChunk } from "./chunks";
import { csvChunks } from "./csv";
import { jsonChunks, type ReportOptions } from "./json";
import { formatMermaid } from "./mermaid";
import { tableChunks } from "./table";

export * from "./chunks";
export * from "./explain";
export * from "./json";
export * from "./csv";
export * from "./table";
export * from "./mermaid";
export * from "./bounds";

export const REPORT_FORMATS = ["table", "json", "csv", "mermaid"] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/**
 * Renders the matrix in one format, in pieces that concatenate to the output (the CLI writes them
 * as they come, so huge matrices never sit in memory). Only `json` carries the lint warnings and
 * ignored objects; the CLI prints those to stderr so stdout stays pure table/CSV/mermaid.
 */
export function reportChunks(
  format: ReportFormat,
  matrix: ConnectivityMatrix,
  warnings: readonly LintWarning[],
  ignored: readonly IgnoredObject[],
  options: ReportOptions = {},
): Iterable<ReportChunk> {
  switch (format) {
    case "json":
      return jsonChunks(matrix, warnings, ignored, options);
    case "csv":
      return csvChunks(matrix, options);
    case "mermaid":
      return [formatMermaid(matrix, options)];
    case "table":
      return tableChunks(matrix, options);
  }
}

/** reportChunks joined into one string. */
export function formatReport(
  format: ReportFormat,
  matrix: ConnectivityMatrix,
  warnings: readonly LintWarning[],
  ignored: readonly IgnoredObject[],
  options: ReportOptions = {},
): string {
  return joinChunks(reportChunks(format, matrix, warnings, ignored, options));
}
