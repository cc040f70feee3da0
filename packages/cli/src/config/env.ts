import dotenv from 'dotenv';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatPath } from '@dsync/datasource';
import { ConfigError, type ConfigIssue } from './schema.js';

/**
 * Environment variables in config values, so that credentials stay out of the file:
 * `${NAME}`, `${NAME:-fallback}` (the fallback when NAME is unset or empty, as in the shell),
 * and `$${` for a literal `${`. Values come from the environment, then from a `.env` file
 * next to the config file; process.env is never changed, so nothing leaks into child
 * processes or other configs loaded in the same process.
 */

export type Env = Readonly<Record<string, string | undefined>>;

/** `$${`, then `${…}`, then a `${` that never closes (an error). */
const REFERENCE = /\$\$\{|\$\{([^}]*)\}|\$\{/g;
const NAME_AND_FALLBACK = /^([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/s;

/** The variables of `<dir>/.env`, or none when there is no such file. */
export async function readDotenv(dir: string): Promise<Record<string, string>> {
  const file = join(dir, '.env');
  try {
    return dotenv.parse(await readFile(file, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return {};
    throw new ConfigError(file, [{ message: `cannot be read (${code ?? String(error)})` }]);
  }
}

/** `.env`'s variables under the real environment's: a variable set in both takes the real one. */
export function mergeEnv(fromDotenv: Env, env: Env): Env {
  const merged: Record<string, string | undefined> = { ...fromDotenv };
  for (const [name, value] of Object.entries(env)) if (value !== undefined) merged[name] = value;
  return merged;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The document with every reference in its string values replaced (keys are left alone).
 * @throws ConfigError listing every unset variable and malformed reference, by key path
 */
export function interpolateEnv(document: unknown, env: Env, file: string | undefined): unknown {
  const issues: ConfigIssue[] = [];
  const walk = (value: unknown, path: readonly (string | number)[]): unknown => {
    if (typeof value === 'string') return interpolate(value, path, env, issues);
    if (Array.isArray(value)) return value.map((item, i) => walk(item, [...path, i]));
    if (isPlainObject(value)) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, [...path, k])]));
    }
    return value;
  };
  const result = walk(document, []);
  if (issues.length > 0) throw new ConfigError(file, issues);
  return result;
}

function interpolate(
  text: string,
  path: readonly (string | number)[],
  env: Env,
  issues: ConfigIssue[],
): string {
  const where = path.length === 0 ? {} : { keyPath: formatPath(path) };
  return text.replace(REFERENCE, (match, inner: string | undefined) => {
    if (match === '$${') return '${';
    const reference = inner === undefined ? null : NAME_AND_FALLBACK.exec(inner);
    if (reference === null) {
      // The reference itself is not echoed: its fallback may be a credential.
      issues.push({
        ...where,
        message:
          'expected ${NAME} or ${NAME:-fallback}, NAME of letters, digits and _ (write $${ for a literal ${)',
      });
      return match;
    }
    const [, name = '', fallback] = reference;
    const value = env[name];
    if (fallback !== undefined) return value === undefined || value === '' ? fallback : value;
    if (value !== undefined) return value;
    issues.push({
      ...where,
      message: `the environment variable ${name} is not set (export it, or add it to .env next to the config file)`,
    });
    return match;
  });
}
