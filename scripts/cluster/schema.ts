import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { ClusterBinaries } from './binaries';
import { POSTGRES_PASSWORD, POSTGRES_USER } from './postgres';

export const TEMPORAL_DATABASE = 'temporal';
export const VISIBILITY_DATABASE = 'temporal_visibility';

/**
 * Creates both databases and their schemas with Temporal's SQL tool and the schema files shipped in the server module
 * (the same version as the server, so they match). Each of the three steps leaves an existing database as it is
 * (verified with 1.29.1), so this runs at every start and a data directory follows an upgrade within the line.
 */
export function setupSchema(binaries: ClusterBinaries, postgresPort: number): void {
  const schemaDir = join(binaries.moduleDir, 'schema', 'postgresql', 'v12');
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
    sql(['create-database']);
    sql(['setup-schema', '-v', '0.0']);
    sql(['update-schema', '-d', versioned]);
  }
}
