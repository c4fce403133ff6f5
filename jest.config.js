/**
 * Four layers, each with only what it needs (`npm test` runs them all; `npm run test:unit` the first alone):
 *   unit         pure code, no servers, no global setup: seconds;
 *   workflow     workflows on the time-skipping server, and replays of recorded histories;
 *   integration  the real Temporal dev server, the HTTPS stand-ins, worker processes;
 *   e2e          browsers, the crash loop, the production topology.
 * @type {import('jest').Config}
 */
const shared = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
    // jose 6 is ESM-only. Node ≥ 20.19 require()s it, but Jest's module registry cannot (before Node 24.9): compile it.
    '/node_modules/jose/.+\\.js$': ['ts-jest', { diagnostics: false, tsconfig: { allowJs: true } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
};

module.exports = {
  projects: [
    { ...shared, displayName: 'unit', roots: ['<rootDir>/test/unit'] },
    {
      ...shared,
      displayName: 'workflow',
      roots: ['<rootDir>/test/workflow'],
      globalSetup: '<rootDir>/test/harness/workflow-setup.ts',
    },
    {
      ...shared,
      displayName: 'integration',
      roots: ['<rootDir>/test/integration', '<rootDir>/test/e2e'],
      globalSetup: '<rootDir>/test/harness/global-setup.ts',
      globalTeardown: '<rootDir>/test/harness/global-teardown.ts',
    },
  ],
  testTimeout: 120_000,
  // Two cores: one Jest worker per core keeps the Temporal servers responsive.
  maxWorkers: 2,
  // Always run test files in worker processes, even a single file: global setup sets NODE_EXTRA_CA_CERTS (the
  // stand-ins' certificate), and Node reads it only when a process starts. Jest uses workers whenever this is set.
  workerIdleMemoryLimit: '2GB',
  // The Temporal native runtime keeps threads alive after teardown; Jest must not wait for them.
  forceExit: true,
};
