import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MissingServerError, resolveDevServer, resolveTestServer } from '../../scripts/servers';

function withEnv<T>(env: Record<string, string | undefined>, fn: () => T): T {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete process.env[k];
  try {
    return fn();
  } finally {
    for (const [k, v] of Object.entries(saved))
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
  }
}

const bin = mkdtempSync(join(tmpdir(), 'soc-bin-'));
const fakeTemporal = join(bin, 'temporal');
writeFileSync(fakeTemporal, '#!/bin/sh\necho fake\n');
chmodSync(fakeTemporal, 0o755);

test('TEMPORAL_CLI_PATH comes first, then a temporal on PATH', () => {
  expect(withEnv({ TEMPORAL_CLI_PATH: fakeTemporal }, () => resolveDevServer(() => undefined))).toEqual({
    type: 'existing-path',
    path: fakeTemporal,
    source: 'TEMPORAL_CLI_PATH',
  });
  expect(
    withEnv({ TEMPORAL_CLI_PATH: undefined, PATH: `${bin}:${process.env.PATH}` }, () =>
      resolveDevServer(() => undefined),
    ),
  ).toEqual({ type: 'existing-path', path: fakeTemporal, source: 'PATH' });
});

test('a TEMPORAL_CLI_PATH or TEMPORAL_TEST_SERVER_PATH that is not an executable is named in one line', () => {
  const missing = join(bin, 'nothing-here');
  expect(() => withEnv({ TEMPORAL_CLI_PATH: missing }, () => resolveDevServer())).toThrow(
    new MissingServerError(
      `TEMPORAL_CLI_PATH=${missing} is not an executable file; unset it or point it at the temporal CLI`,
    ),
  );
  expect(() => withEnv({ TEMPORAL_TEST_SERVER_PATH: missing }, () => resolveTestServer())).toThrow(
    `TEMPORAL_TEST_SERVER_PATH=${missing} is not an executable file`,
  );
});
