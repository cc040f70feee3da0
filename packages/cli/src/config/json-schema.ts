import { z } from 'zod';
import { configSchema } from './schema.js';

/**
 * The config file's JSON schema, for editors: YAML through the starter file's
 * `yaml-language-server` comment, JSON through `"$schema"`. It is committed as
 * packages/cli/dsync.schema.json, and a test fails when it no longer matches the zod schema.
 * Regenerate it from packages/cli with {@link REGENERATE_SCHEMA_COMMAND} (esbuild compiles
 * this module, node prints the schema, prettier formats it as the repository does).
 */
export const REGENERATE_SCHEMA_COMMAND =
  'npx esbuild src/config/json-schema.ts --bundle --platform=node --format=esm --packages=external ' +
  `--log-level=warning --footer:js="console.log(JSON.stringify(configJsonSchema(), null, 2))" ` +
  '| node --input-type=module > dsync.schema.json && npx prettier --write dsync.schema.json';

/** The JSON schema of what a config file may hold (the input, before defaults). */
export function configJsonSchema(): Record<string, unknown> {
  const { $schema, ...schema } = z.toJSONSchema(configSchema, { io: 'input' });
  return {
    $schema,
    title: 'dsync configuration',
    description: 'The dsync.config.yaml, dsync.config.yml or dsync.config.json of a dsync project.',
    ...schema,
  };
}
