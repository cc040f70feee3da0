#!/usr/bin/env node
import { runSandboxCli } from './cli.js';

void runSandboxCli(process.argv).then((code) => {
  process.exitCode = code;
});
