// `*.faults.test.ts` restart the shared RabbitMQ broker and close every connection on it: they
// run alone (`test-faults`, after every package's tests), never beside another suite using it.
const preset = require('../../jest.preset.cjs');

module.exports = {
  ...preset,
  testPathIgnorePatterns: process.env.DSYNC_FAULTS === '1' ? [] : ['\\.faults\\.test\\.ts$'],
  ...(process.env.DSYNC_FAULTS === '1'
    ? { testMatch: ['<rootDir>/test/**/*.faults.test.ts'] }
    : {}),
};
