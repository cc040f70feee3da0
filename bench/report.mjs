// What every benchmark hands the suite (bench/run.mjs): its figures, each a ratio against a
// baseline measured in the same run. A benchmark prints its own table as it likes; it calls
// `report` once at the end, which writes `<name>.json` into $DSYNC_BENCH_OUT when the suite
// runs it, or `bench/results/<name>-<time>.json` when it runs alone.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * @typedef {object} Figure
 * @property {string} measure    what was measured, e.g. "quota use: calls per 5 s window"
 * @property {string} unit       e.g. "req/s", "rows/s", "MB", "requests"
 * @property {number} value      dsync's figure
 * @property {string} baseline   what it is compared with, e.g. "bare got loop", "the limit"
 * @property {number} baselineValue
 * @property {number} ratio      value / baselineValue (or as the measure defines it)
 * @property {string} [target]   the claim, e.g. "≥ 0.95", "≤ 4 (max concurrency)"
 * @property {boolean} [met]     whether the figure meets the target
 * @property {Record<string, unknown>} [details]
 */

/**
 * @param {string} name   file-safe id of the benchmark, e.g. "sync"
 * @param {{ title: string, quick: boolean, figures: Figure[] }} result
 */
export function report(name, result) {
  const suite = process.env.DSYNC_BENCH_OUT;
  const dir = suite || join(import.meta.dirname, 'results');
  const file = suite
    ? `${name}.json`
    : `${name}-${new Date().toISOString().replaceAll(':', '-')}.json`;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, file), JSON.stringify({ name, ...result }, null, 2) + '\n');
  if (!suite) console.log(`Results: ${join(dir, file)}`);
}
