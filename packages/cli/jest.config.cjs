// End-to-end tests run the built binary as child processes: a run takes seconds, not milliseconds.
module.exports = { ...require('../../jest.preset.cjs'), testTimeout: 60_000 };
