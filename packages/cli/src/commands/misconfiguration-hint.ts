import { misconfigurationOf, type SourceResult } from '@dsync/synchronizer';
import type { Runtime } from '../runtime/runtime.js';
import { configuredIds } from '../runtime/sources.js';

/** The address each provider's base URL takes, for the hint. */
const EXPECTED_BASE_URL = {
  tushare: 'http://api.tushare.pro',
  ndl: 'https://data.nasdaq.com/api/v3',
} as const;

/** Where a source is defined: its entry in the config file, or the catalog. */
function definedAt(runtime: Runtime, sourceId: string): string {
  const index = configuredIds(runtime.loaded.config.sources).indexOf(sourceId);
  const file = runtime.loaded.path ?? 'the config file';
  return index < 0
    ? `the catalog's ${sourceId} (see: dsync sources show ${sourceId})`
    : `sources[${index}] in ${file}`;
}

/**
 * The config key to check for a source that failed as misconfigured: the account's
 * `baseUrl` with its expected form, or the source's definition. Undefined for other failures.
 */
export function misconfigurationHint(
  runtime: Runtime,
  result: Pick<SourceResult, 'sourceId' | 'reason'>,
): string | undefined {
  const kind = misconfigurationOf(result.reason);
  if (kind === undefined) return undefined;
  const { provider } = runtime.registry.get(result.sourceId);
  const file = runtime.loaded.path ?? 'the config file';
  const baseUrl =
    `accounts.${provider}.baseUrl in ${file} (now ${runtime.baseUrlOf(provider)}; ` +
    `expected like ${EXPECTED_BASE_URL[provider]}, or the baseUrl a sandbox's start line prints)`;
  const definition = definedAt(runtime, result.sourceId);
  const check = {
    address: baseUrl,
    api: `the api of ${definition}`,
    params: `the params of ${definition}`,
    unknown: `${baseUrl}, then the api and params of ${definition}`,
  }[kind];
  return `Check ${check}. The next dsync sync after the fix asks what was missed.`;
}
