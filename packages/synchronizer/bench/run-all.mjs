#!/usr/bin/env node
// The package's benchmarks one after another, each in its own process, with the flags given
// here (`--quick`): `npm run bench` passes them to this script alone.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

for (const file of [
  'sync.bench.mjs',
  'scale-out.bench.mjs',
  'recheck.bench.mjs',
  'graph.bench.mjs',
]) {
  const { status, signal } = spawnSync(
    process.execPath,
    [join(import.meta.dirname, file), ...process.argv.slice(2)],
    { stdio: 'inherit' },
  );
  if (status !== 0) process.exit(status ?? (signal === null ? 1 : 128));
}
