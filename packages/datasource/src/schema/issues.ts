import type { z } from 'zod';
import type { DefinitionIssue } from '../errors.js';

/** `['sources', 3, 'fields', 2, 'type']` → `sources[3].fields[2].type` (keys with dots in brackets). */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (typeof part === 'string' && /^[A-Za-z_$][\w$]*$/.test(part))
      out += out === '' ? part : `.${part}`;
    else out += `[${JSON.stringify(String(part))}]`;
  }
  return out;
}

const show = (value: unknown): string => {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
};

/** One zod issue as a line a person can act on: what was expected, and what was found. */
function describe(issue: z.core.$ZodIssue): { path: PropertyKey[]; message: string }[] {
  const got = 'input' in issue && issue.input !== undefined ? `; got ${show(issue.input)}` : '';
  switch (issue.code) {
    case 'invalid_value':
      return [
        {
          path: issue.path,
          message: `expected one of ${issue.values.map((v) => String(v)).join(', ')}${got}`,
        },
      ];
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({ path: [...issue.path, key], message: 'unknown key' }));
    case 'invalid_type':
      return [
        {
          path: issue.path,
          message:
            issue.input === undefined
              ? `required (${issue.expected})`
              : `expected ${issue.expected}${got}`,
        },
      ];
    case 'invalid_union': {
      const { discriminator, options } = issue as { discriminator?: string; options?: unknown[] };
      if (discriminator !== undefined) {
        // zod points the issue at the discriminator key and reports the whole object as input.
        const path =
          issue.path.at(-1) === discriminator ? issue.path : [...issue.path, discriminator];
        const input: unknown = issue.input;
        const value =
          typeof input === 'object' && input !== null
            ? (input as Record<string, unknown>)[discriminator]
            : input;
        const allowed = options?.length
          ? `: expected one of ${options.map(String).join(', ')}`
          : '';
        const found = value === undefined ? '' : `; got ${show(value)}`;
        return [{ path, message: `unknown ${discriminator}${allowed}${found}` }];
      }
      // Show the branch that got furthest: the one with the fewest issues.
      const best = [...issue.errors].sort((a, b) => a.length - b.length)[0];
      return best
        ? best
            .flatMap(describe)
            .map((d) => ({ ...d, path: [...issue.path, ...d.path.slice(issue.path.length)] }))
        : [];
    }
    default:
      return [{ path: issue.path, message: issue.message }];
  }
}

/** Turns a zod error into definition issues whose paths start at `prefix` (a config path). */
export function toDefinitionIssues(
  error: z.ZodError,
  prefix: readonly PropertyKey[] = [],
): DefinitionIssue[] {
  return error.issues
    .flatMap(describe)
    .map((d) => ({ path: formatPath([...prefix, ...d.path]), message: d.message }));
}
