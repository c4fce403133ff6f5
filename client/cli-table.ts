/** Plain-text tables for the CLI: columns as wide as their widest cell, at most `max`; longer cells end in `…`. */
export interface TableColumn {
  title: string;
  /** The widest the column gets; unset: as wide as its widest cell (the last column is never cut: ids are copied). */
  max?: number;
}

export function truncate(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}

/** The header line, then one line per row; cells are separated by two spaces. */
export function renderTable(columns: readonly TableColumn[], rows: readonly string[][]): string[] {
  const cut = rows.map((row) => row.map((cell, i) => (columns[i]?.max ? truncate(cell, columns[i].max) : cell)));
  const widths = columns.map((c, i) => Math.max(c.title.length, ...cut.map((row) => row[i]?.length ?? 0)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === columns.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.title)), ...cut.map(line)];
}
