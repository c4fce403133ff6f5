import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Folder boundaries: imports point one way.
 *   common ← workflows (activities by type only) ← activities ← client ← workers;
 *   standins/, scripts/ and @temporalio/testing only from tests, scripts, stand-ins and the demo entry point.
 */

/** A relative import into one of the project's top-level folders (`../activities`, `../../client/teams/bot`…). */
const into = (...names) => `^(\\.\\./)+(${names.join('|')})(/|$)`;
const demoOnly = [
  {
    regex: into('standins', 'scripts'),
    message: 'production code never imports the stand-ins or the scripts (only the demo entry point and tests do)',
  },
  { group: ['@temporalio/testing'], message: 'production code never imports @temporalio/testing' },
];
const boundaries = (...patterns) => ['error', { patterns }];

export default tseslint.config(
  { ignores: ['node_modules/', '.temporal/', 'dist/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { module: 'writable', require: 'readonly', __dirname: 'readonly' },
    },
  },
  {
    // The domain: alert model, policies, case types, messages, workflow type names, configuration.
    files: ['common/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': boundaries(
        {
          regex: into('workflows', 'activities', 'client', 'workers', 'standins', 'scripts'),
          message: 'common/ imports nothing else of the project',
        },
        ...demoOnly,
      ),
    },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no Node APIs, no wall clock, no I/O.
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': boundaries(
        {
          group: ['node:*', 'fs', 'crypto', 'http', 'https', '@temporalio/client', '@temporalio/worker'],
          message: 'workflow code runs in the deterministic sandbox',
        },
        { regex: into('client', 'workers'), message: 'workflows import common/ and workflows/ only' },
        ...demoOnly,
        { regex: into('activities'), allowTypeImports: true, message: 'workflows know activities by their types only' },
        {
          group: ['zod'],
          message:
            "no schema library in workflow code: every case instance re-runs the bundle's modules (README, Scaling)",
        },
        {
          regex: '^(\\.\\./)+common/(policy|alert|rules|posture-catalog|config)(/|$)',
          allowTypeImports: true,
          message:
            'these modules build zod schemas; workflows take their types only (the terms are in common/policy-terms)',
        },
      ),
    },
  },
  {
    files: ['activities/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': boundaries(
        { regex: into('workflows', 'client', 'workers'), message: 'activities import common/ and activities/ only' },
        ...demoOnly,
      ),
    },
  },
  {
    files: ['client/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': boundaries(
        { regex: into('workers'), message: 'client/ does not import the composition roots' },
        {
          regex: into('workflows'),
          allowTypeImports: true,
          message: 'client/ knows workflows by their types only (messages are in common/)',
        },
        ...demoOnly,
      ),
    },
  },
  {
    // Composition roots. Only the demo entry point (npm start) and its helpers may reach the stand-ins and scripts.
    files: ['workers/**/*.ts'],
    ignores: ['workers/start.ts', 'workers/demo.ts', 'workers/demo-ports.ts', 'workers/embedded-temporal.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': boundaries(...demoOnly) },
  },
);
