/**
 * A plain-text table: the first row is the header, columns padded to their widest cell, numbers
 * right-aligned.
 *
 * @example
 * ```ts
 * console.log(table([['way', 'events/s'], ['batched', 6585]]));
 * ```
 */
export function table(rows: (string | number | undefined)[][]): string {
  const cells = rows.map((row) => row.map((cell) => (cell === undefined ? '–' : String(cell))));
  const widths: number[] = [];
  for (const row of cells) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  const numeric = (text: string) => /^[-+]?[\d.,]+\s*[%×]?$/.test(text);
  const lines = cells.map((row) =>
    row
      .map((cell, i) => (numeric(cell) ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  return [lines[0] ?? '', rule, ...lines.slice(1)].map((line) => `  ${line}`).join('\n');
}
