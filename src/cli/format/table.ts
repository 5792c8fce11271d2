// Loaded only for table output.

/** One column: its heading and how to turn a row into a cell. */
export interface Column<T> {
  title: string;
  cell(row: T): string;
}

// Left-aligned columns separated by two spaces; the last column is not padded.
export function table<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const cells = [columns.map((c) => c.title), ...rows.map((row) => columns.map((c) => clean(c.cell(row))))];
  const widths = columns.map((_, i) => Math.max(...cells.map((line) => line[i]!.length)));
  return cells
    .map((line) => line.map((cell, i) => (i === line.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd())
    .join('\n');
}

// A cell stays on one line whatever the data holds.
function clean(text: string): string {
  return text.replace(/[\r\n\t]/g, ' ');
}
