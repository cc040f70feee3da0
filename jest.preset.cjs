// Shared jest setup: ts-jest in ESM mode, because got (and its dependencies) are ESM-only.
// The test scripts run jest with --experimental-vm-modules; there is no global `jest`,
// tests import it from '@jest/globals'.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: '<rootDir>/tsconfig.json' }],
  },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  clearMocks: true,
};
