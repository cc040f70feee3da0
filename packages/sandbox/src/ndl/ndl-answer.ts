import type { NdlErrorSpec } from './ndl-errors.js';

/**
 * What the replica sends: JSON, or CSV for `.csv` requests. Errors are always
 * `{"quandl_error":{code,message}}`, or `code,message` CSV (provider-protocols.md §4, §6).
 */

export type NdlFormat = 'json' | 'csv';

/** One CSV field: quoted only when it must be. */
const csvField = (value: string | number | null): string => {
  if (value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

export const csvLine = (values: readonly (string | number | null)[]): string =>
  `${values.map(csvField).join(',')}\n`;

export interface NdlAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

export const JSON_TYPE = 'application/json; charset=utf-8';
export const CSV_TYPE = 'text/csv; charset=utf-8';

export function errorAnswer(spec: NdlErrorSpec, format: NdlFormat): NdlAnswer {
  const body =
    format === 'csv'
      ? `${csvLine(['code', 'message'])}${csvLine([spec.code, spec.message])}`
      : JSON.stringify({ quandl_error: { code: spec.code, message: spec.message } });
  return { status: spec.status, contentType: format === 'csv' ? CSV_TYPE : JSON_TYPE, body };
}
