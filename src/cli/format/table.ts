// Loaded only for table output.
import { escapeControls } from './escape.js';

/** One column: its heading and how to turn a row into a cell. */
export interface Column<T> {
  title: string;
  cell(row: T): string;
  /** Width to pad to when rows are printed as they come (`streamRow`), before the widest is known. */
  width?: number;
}

// Left-aligned columns separated by two spaces; the last column is not padded.
export function table<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const cells = [columns.map((c) => c.title), ...rows.map((row) => columns.map((c) => escapeControls(c.cell(row))))];
  // A loop, not Math.max(...column): spreading a long history's rows overflows the call stack.
  const widths = columns.map(() => 0);
  for (const line of cells) {
    for (let i = 0; i < line.length; i++) widths[i] = Math.max(widths[i]!, line[i]!.length);
  }
  return cells
    .map((line) => line.map((cell, i) => (i === line.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd())
    .join('\n');
}

// One line of a table that is printed row by row (`events --follow`): cells padded to the
// columns' fixed widths, so lines align as long as no cell is wider.
export function streamRow<T>(row: T | null, columns: readonly Column<T>[]): string {
  return columns
    .map((c, i) => {
      const cell = row === null ? c.title : escapeControls(c.cell(row));
      return i === columns.length - 1 ? cell : cell.padEnd(c.width ?? 0);
    })
    .join('  ')
    .trimEnd();
}
