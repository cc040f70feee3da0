// The reliability suite (`npm run test:reliability`; DSYNC_RELIABILITY=small is the CI variant):
// real processes killed, brokers stopped, quotas spent. One file at a time, since some tests stop
// the machine's RabbitMQ and every test counts what the sandbox served.
module.exports = {
  ...require('../../jest.preset.cjs'),
  testMatch: ['<rootDir>/reliability/**/*.test.ts'],
  testTimeout: 600_000,
  maxWorkers: 1,
};
