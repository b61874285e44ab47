/** Output formats of the connectivity matrix. Pure: (matrix, warnings, ignored) → text. */
import type { ConnectivityMatrix, IgnoredObject, LintWarning } from "../netpol";
import { formatCsv } from "./csv";
import { formatJson } from "./json";
import { formatMermaid } from "./mermaid";
import { formatTable } from "./table";

export * from "./explain";
export * from "./json";
export * from "./csv";
export * from "./table";
export * from "./mermaid";

export const REPORT_FORMATS = ["table", "json", "csv", "mermaid"] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/**
 * Renders the matrix in one format. Only `json` carries the lint warnings and ignored objects;
 * the CLI prints those to stderr for the other formats so stdout stays pure table/CSV/mermaid.
 */
export function formatReport(
  format: ReportFormat,
  matrix: ConnectivityMatrix,
  warnings: readonly LintWarning[],
  ignored: readonly IgnoredObject[],
): string {
  switch (format) {
    case "json":
      return formatJson(matrix, warnings, ignored);
    case "csv":
      return formatCsv(matrix);
    case "mermaid":
      return formatMermaid(matrix);
    case "table":
      return formatTable(matrix);
  }
}
