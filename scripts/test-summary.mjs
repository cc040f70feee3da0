#!/usr/bin/env node
// Adds up the jest results every package wrote (test-output/jest-results.json, and the suites
// run alone: storage-adapters' broker faults, faults-results.json; the cli's reliability suite,
// reliability-results.json) and prints
// one closing line, `Tests: N passed, N failed`, so a CI log says at a glance what ran.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', 'packages');
let passed = 0;
let failed = 0;
let skipped = 0;
const missing = [];
for (const pkg of readdirSync(root)) {
  const file = join(root, pkg, 'test-output', 'jest-results.json');
  if (!existsSync(file)) {
    missing.push(pkg);
    continue;
  }
  const alone = ['faults', 'reliability'].map((suite) => [
    `${pkg} ${suite}`,
    join(root, pkg, 'test-output', `${suite}-results.json`),
  ]);
  for (const [name, path] of [[pkg, file], ...alone]) {
    if (path !== file && !existsSync(path)) continue;
    const result = JSON.parse(readFileSync(path, 'utf8'));
    passed += result.numPassedTests;
    failed += result.numFailedTests;
    skipped += result.numPendingTests + result.numTodoTests;
    console.log(`  ${name}: ${result.numPassedTests} passed, ${result.numFailedTests} failed`);
  }
}
if (missing.length > 0) console.log(`  no results from: ${missing.join(', ')}`);
console.log(
  `Tests: ${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`,
);
process.exitCode = failed > 0 || missing.length > 0 || passed === 0 ? 1 : 0;
