import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TEMPORAL_SERVER_VERSION, type ClusterBinaries } from './binaries';
import { POSTGRES_PASSWORD, POSTGRES_USER } from './postgres';

export const TEMPORAL_DATABASE = 'temporal';
export const VISIBILITY_DATABASE = 'temporal_visibility';

/**
 * Creates both databases and their schemas with Temporal's SQL tool and the schema files shipped in the server module
 * (the same version as the server, so they match). Done once per data directory; `update-schema` is idempotent and
 * runs every time, so a data directory survives an upgrade within the line.
 */
export function setupSchema(binaries: ClusterBinaries, postgresPort: number, stateDir: string): void {
  const schemaDir = join(binaries.moduleDir, 'schema', 'postgresql', 'v12');
  const created = join(stateDir, `schema-created-${TEMPORAL_SERVER_VERSION}`);
  const fresh = !existsSync(created);
  for (const [database, versioned] of [
    [TEMPORAL_DATABASE, join(schemaDir, 'temporal', 'versioned')],
    [VISIBILITY_DATABASE, join(schemaDir, 'visibility', 'versioned')],
  ] as const) {
    const sql = (args: string[]) => {
      const run = spawnSync(
        binaries.sqlTool,
        [
          '--plugin',
          'postgres12',
          '--ep',
          '127.0.0.1',
          '-p',
          String(postgresPort),
          '-u',
          POSTGRES_USER,
          '--pw',
          POSTGRES_PASSWORD,
          '--db',
          database,
          ...args,
        ],
        { encoding: 'utf8' },
      );
      if (run.status !== 0)
        throw new Error(`temporal-sql-tool ${args[0]} on ${database} failed: ${run.stderr || run.stdout}`);
    };
    if (fresh) {
      sql(['create-database']);
      sql(['setup-schema', '-v', '0.0']);
    }
    sql(['update-schema', '-d', versioned]);
  }
  if (fresh) writeFileSync(created, new Date().toISOString());
}
