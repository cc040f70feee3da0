import { badParams } from './ndl-errors.js';

/**
 * Request parameters, however they came: a query string (`ticker=A,B`, `ticker[]=A`,
 * `date.gte=…`) or the datatables POST body the official client sends, which is its
 * keyword arguments as JSON (`{"ticker":["A"],"date":{"gte":"…"},"qopts":{"columns":[…]}}`).
 * Both become one map of dotted names to their values.
 */
export type NdlParams = ReadonlyMap<string, readonly string[]>;

/** A scalar, a list, or a nested object of them (the POST body's shape). */
export type NdlParamValue =
  | string
  | number
  | boolean
  | null
  | undefined
  | readonly NdlParamValue[]
  | { readonly [name: string]: NdlParamValue };

/** Parameters as a caller writes them: the query string's names, or the POST body's shape. */
export type NdlParamsInput = Readonly<Record<string, NdlParamValue>>;

// `ticker[]` is the client's list form of `ticker`.
const nameOf = (name: string): string => (name.endsWith('[]') ? name.slice(0, -2) : name);

function add(params: Map<string, string[]>, name: string, value: string): void {
  const values = params.get(name);
  if (values === undefined) params.set(name, [value]);
  else values.push(value);
}

export function paramsFromSearch(search: URLSearchParams): Map<string, string[]> {
  const params = new Map<string, string[]>();
  for (const [name, value] of search) add(params, nameOf(name), value);
  return params;
}

function flatten(params: Map<string, string[]>, name: string, value: NdlParamValue): void {
  if (value === null || value === undefined) return;
  if (Array.isArray(value)) {
    for (const item of value as readonly NdlParamValue[]) flatten(params, name, item);
  } else if (typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      flatten(params, name === '' ? nameOf(key) : `${name}.${nameOf(key)}`, inner);
    }
  } else if (name === '') {
    throw badParams('the body must be a JSON object');
  } else add(params, name, String(value));
}

/** Parameters from a parsed JSON body or a caller's object. */
export function paramsFromObject(body: unknown): Map<string, string[]> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badParams('the body must be a JSON object');
  }
  const params = new Map<string, string[]>();
  flatten(params, '', body as NdlParamValue);
  return params;
}

/** Parameters from a POST body's text; an empty body has none. */
export function paramsFromBody(text: string): Map<string, string[]> {
  if (text.trim() === '') return new Map();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw badParams('the body is not JSON');
  }
  return paramsFromObject(body);
}

/** Query string parameters first, then the body's, as if they were one list. */
export function mergeParams(...sources: NdlParams[]): Map<string, string[]> {
  const params = new Map<string, string[]>();
  for (const source of sources) {
    for (const [name, values] of source) for (const value of values) add(params, name, value);
  }
  return params;
}

/** The single value of a parameter; a repeated one is an error. */
export function single(params: NdlParams, name: string): string | undefined {
  const values = params.get(name);
  if (values === undefined) return undefined;
  if (values.length > 1) throw badParams(`${name} is given ${values.length} times`);
  return values[0];
}

/** A parameter's values, comma lists split. */
export const listOf = (params: NdlParams, name: string): string[] | undefined =>
  params.get(name)?.flatMap((value) => value.split(','));
