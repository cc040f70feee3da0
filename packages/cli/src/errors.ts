import { DsyncError } from '@dsync/datasource';
import { redactText } from '@dsync/datasource';
import { CommanderError } from 'commander';
import { EXIT_CODES } from './exit-codes.js';

/** A mistake in how dsync was called, found after parsing (a bad date, a file that exists). */
export class UsageError extends DsyncError {
  constructor(message: string) {
    super('E_USAGE', message);
  }
}

/**
 * Error codes that mean the user asked for something that cannot be (exit 2), as one table;
 * every other failure exits 1. Codes from the domains keep their meaning here.
 */
const USAGE_CODES: ReadonlySet<string> = new Set([
  'E_USAGE',
  'E_CONFIG',
  'E_NO_TOKEN',
  'E_UNKNOWN_SOURCE',
  'E_DUPLICATE_SOURCE',
  'E_DEFINITION',
  'E_DEPENDENCY_CYCLE',
  'E_BAD_RANGE',
  'E_NEEDS_MIGRATION',
]);

/** Whether an error code means the user has something to fix or run first (exit 2). */
export const isUsageCode = (code: string): boolean => USAGE_CODES.has(code);

export function exitCodeOf(error: unknown): number {
  if (error instanceof CommanderError)
    return error.exitCode === 0 ? EXIT_CODES.ok : EXIT_CODES.usage;
  if (error instanceof DsyncError && USAGE_CODES.has(error.code)) return EXIT_CODES.usage;
  return EXIT_CODES.failure;
}

/**
 * The one paragraph a failure prints: what went wrong, with the stack only when asked for,
 * and never a credential or a password inside a URL.
 */
export function describeFailure(
  error: unknown,
  options: { verbose: boolean; secrets: readonly string[] },
): string {
  const known = error instanceof DsyncError;
  const message = error instanceof Error ? error.message : String(error);
  let text = known ? message : `unexpected error: ${message}`;
  if (options.verbose && error instanceof Error && error.stack !== undefined) {
    text += `\n${error.stack.split('\n').slice(1).join('\n')}`;
    if (error.cause instanceof Error) text += `\ncaused by: ${error.cause.message}`;
  } else if (!known) {
    text += ' (run with --verbose for details)';
  }
  return `dsync: ${redactText(text, ...options.secrets)}`;
}
