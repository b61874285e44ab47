/** Column-aligned plain-text tables for terminal reports. Pure. */

/**
 * Lines of `header` and `rows`, columns padded to their widest cell and separated by two spaces;
 * the last column is not padded, so no line carries trailing blanks. With `rule`, a line of dashes
 * follows the header.
 */
export function alignedLines(header: string[], rows: string[][], options: { rule?: boolean } = {}): string[] {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c].length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, c) => (c === cells.length - 1 ? cell : cell.padEnd(widths[c])))
      .join("  ")
      .trimEnd();
  return [line(header), ...(options.rule ? [line(widths.map((w) => "-".repeat(w)))] : []), ...rows.map(line)];
}
