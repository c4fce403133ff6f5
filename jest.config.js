/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  globalSetup: '<rootDir>/test/harness/global-setup.ts',
  globalTeardown: '<rootDir>/test/harness/global-teardown.ts',
  testTimeout: 120_000,
  // Two cores: one Jest worker per core keeps the Temporal servers responsive.
  maxWorkers: 2,
  // The Temporal native runtime keeps threads alive after teardown; Jest must not wait for them.
  forceExit: true,
};
