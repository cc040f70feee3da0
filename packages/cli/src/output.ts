/**
 * Where command output goes. Tables are aligned plain text (no colour, no box drawing) so
 * they read the same in a terminal, a pipe and a log; `--json` prints machine-readable JSON.
 */
export interface Output {
  line(text: string): void;
  json(value: unknown): void;
  table(rows: readonly Record<string, unknown>[], columns: readonly string[]): void;
  error(text: string): void;
}

function cell(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

export function createOutput(
  stdout: (text: string) => void,
  stderr: (text: string) => void,
): Output {
  return {
    line: (text) => stdout(`${text}\n`),
    json: (value) => stdout(`${JSON.stringify(value, null, 2)}\n`),
    error: (text) => stderr(`${text}\n`),
    table(rows, columns) {
      const cells = rows.map((row) => columns.map((c) => cell(row[c])));
      const widths = columns.map((c, i) =>
        Math.max(c.length, ...cells.map((r) => (r[i] ?? '').length)),
      );
      const format = (values: readonly string[]) =>
        values
          .map((v, i) => v.padEnd(widths[i] ?? 0))
          .join('  ')
          .trimEnd();
      stdout(`${[format(columns.map((c) => c.toUpperCase())), ...cells.map(format)].join('\n')}\n`);
    },
  };
}
