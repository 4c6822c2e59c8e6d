/**
 * The plain-text tables the build and the bench print: a header, a rule of dashes under it, then the
 * rows; columns two spaces apart, the first (and any other named in `leftAligned`) left-aligned, the
 * rest (numbers) right-aligned, no trailing spaces.
 */
export function textTable(
  header: readonly string[],
  rows: ReadonlyArray<readonly string[]>,
  { leftAligned = [0] }: { leftAligned?: readonly number[] } = {},
): string[] {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (values: readonly string[]) =>
    values
      .map((value, column) => (leftAligned.includes(column) ? value.padEnd(widths[column] ?? 0) : value.padStart(widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)];
}
