#!/usr/bin/env node
// Smoke test of a built package, run from its folder: load `dist` with plain Node through
// the package's own `exports` map, once as `require` and once as `import`, and check that
// both give the same non-empty surface and that every declared file exists. Bins must
// answer `--help` with exit code 0. This catches what jest cannot: ESM/CJS interop of
// dependencies (got is ESM-only, knex has no exports map) and a broken exports map.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.cwd();
const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
const fail = (msg) => {
  console.error(`smoke ${pkg.name}: ${msg}`);
  process.exit(1);
};

const entry = pkg.exports?.['.'];
if (!entry?.import || !entry?.require) fail('exports["."] needs both "import" and "require"');
for (const cond of ['import', 'require']) {
  for (const file of [entry[cond].types, entry[cond].default]) {
    if (!file || !existsSync(join(dir, file)))
      fail(`exports["."].${cond} names ${file}, which is missing`);
  }
}

const node = (args) => execFileSync(process.execPath, args, { cwd: dir, encoding: 'utf8' }).trim();
const name = JSON.stringify(pkg.name);
const cjsKeys = node(['-e', `console.log(JSON.stringify(Object.keys(require(${name})).sort()))`]);
const esmKeys = node([
  '--input-type=module',
  '-e',
  `const m = await import(${name}); console.log(JSON.stringify(Object.keys(m).filter((k) => k !== 'default').sort()))`,
]);
const cjs = JSON.parse(cjsKeys);
const esm = JSON.parse(esmKeys);
if (cjs.length === 0) fail('the package exports nothing');
if (cjsKeys !== esmKeys) fail(`require and import disagree:\n  require: ${cjs}\n  import:  ${esm}`);

for (const [bin, file] of Object.entries(
  typeof pkg.bin === 'string' ? { [pkg.name]: pkg.bin } : (pkg.bin ?? {}),
)) {
  const help = node([join(dir, file), '--help']);
  if (!help.includes('Usage')) fail(`${bin} --help printed no usage:\n${help}`);
}
console.log(`smoke ${pkg.name}: ${cjs.length} exports load as require and import`);
