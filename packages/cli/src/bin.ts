#!/usr/bin/env node
import { run } from './program.js';

// `dsync … | head` closes stdout early: that is the reader's choice, not an error.
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });

void run(process.argv).then((code) => {
  process.exitCode = code;
});
