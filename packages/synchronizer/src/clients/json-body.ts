/**
 * Reading an answer body as JSON, tolerantly: whitespace and a BOM around the JSON are
 * accepted (one Tushare fake puts a newline first), and when the body is not JSON the
 * reading says what it is instead (empty, an HTML page, cut off, broken), for the detail.
 */
export type BodyReading =
  { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly problem: string };

const SNIPPET_LENGTH = 60;

/** The start of a text, on one line, quoted: enough to recognise a proxy's or WAF's answer. */
export function snippet(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return JSON.stringify(line.length > SNIPPET_LENGTH ? `${line.slice(0, SNIPPET_LENGTH)}…` : line);
}

/**
 * Whether a text that failed to parse is a cut-off prefix of JSON (every bracket closed in
 * order so far, something still open) rather than broken JSON.
 */
function isCutOff(text: string): boolean {
  const open: string[] = [];
  let inString = false;
  let escaped = false;
  for (const char of text) {
    if (inString) {
      if (escaped) escaped = false;
      else if (char === '\\') escaped = true;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (char === '{' || char === '[') open.push(char);
    else if (char === '}' || char === ']') {
      if (open.pop() !== (char === '}' ? '{' : '[')) return false;
      // The outermost value closed and the text still failed: broken, not cut.
      if (open.length === 0) return false;
    }
  }
  return inString || open.length > 0;
}

function describeHtml(text: string): string {
  const title = /<title[^>]*>([^<]*)<\/title>/i.exec(text)?.[1]?.trim();
  return title === undefined || title === '' ? 'an HTML page' : `an HTML page (${snippet(title)})`;
}

/** Parses a body that should hold a JSON object or array. */
export function readJsonBody(body: string): BodyReading {
  const text = body.replace(/^\uFEFF/, '').trim();
  if (text === '') return { ok: false, problem: 'an empty body' };
  if (text.startsWith('<')) return { ok: false, problem: describeHtml(text) };
  if (!text.startsWith('{') && !text.startsWith('[')) {
    return { ok: false, problem: `a body that is not JSON: ${snippet(text)}` };
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, problem: isCutOff(text) ? 'truncated JSON' : 'malformed JSON' };
  }
}

export const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Whether every row is an array as long as the column list (the official NDL client's check). */
export function rowsFit(rows: readonly unknown[], width: number): rows is unknown[][] {
  return rows.every((row) => Array.isArray(row) && row.length === width);
}
