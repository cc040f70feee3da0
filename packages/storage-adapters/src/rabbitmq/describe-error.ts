import { redactText } from '@dsync/datasource';

/** The message of anything thrown, with the broker URL's password hidden. */
export function describeError(error: unknown, url: string): string {
  const message = error instanceof Error ? error.message : String(error);
  return redactText(message, url);
}
