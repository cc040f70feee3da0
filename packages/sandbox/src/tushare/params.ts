import { isoOf } from '../market/dates.js';

/** A parameter the caller got wrong; the replica answers it as Tushare does a bad argument. */
export class BadParamError extends Error {
  readonly param: string;
  constructor(param: string, message: string) {
    super(message);
    this.param = param;
  }
}

/** A required parameter that is missing (Tushare: `必填参数, ts_code`). */
export class MissingParamError extends Error {
  readonly param: string;
  constructor(param: string) {
    super(`必填参数, ${param}`);
    this.param = param;
  }
}

/** The request's `params`, with the readers each interface needs. Values may be strings or numbers. */
export class Params {
  readonly #values: Readonly<Record<string, unknown>>;

  constructor(values: Readonly<Record<string, unknown>>) {
    this.#values = values;
  }

  /** A parameter as a string; empty strings count as absent (the site's generated code sends `""`). */
  text(name: string): string | undefined {
    const value = this.#values[name];
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    return JSON.stringify(value);
  }

  required(name: string): string {
    const value = this.text(name);
    if (value === undefined) throw new MissingParamError(name);
    return value;
  }

  /** A `YYYYMMDD` date parameter as ISO. */
  date(name: string): string | undefined {
    const value = this.text(name);
    if (value === undefined) return undefined;
    const iso = /^\d{8}$/.test(value) ? isoOf(value) : undefined;
    if (iso === undefined)
      throw new BadParamError(name, `参数${name}格式错误，应为YYYYMMDD: ${value}`);
    return iso;
  }

  /** A comma-separated list (`ts_code=000001.SZ,600000.SH`). */
  list(name: string): string[] | undefined {
    return this.text(name)
      ?.split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
  }

  /** A non-negative whole number (offset, limit). */
  count(name: string): number | undefined {
    const value = this.text(name);
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0)
      throw new BadParamError(name, `参数${name}应为非负整数: ${value}`);
    return n;
  }
}
