import { spawnSync } from 'node:child_process';
import { parse } from 'yaml';
import { projectRoot } from '../scripts/servers';

/** docker-compose.yml is validated by docker-compose itself (no engine runs here), then checked for what users rely on. */
test('docker-compose.yml is valid and runs Temporal on PostgreSQL, the Web UI, the worker and the intake', () => {
  const compose = process.env.SOC_DOCKER_COMPOSE;
  if (!compose)
    throw new Error(process.env.SOC_DOCKER_COMPOSE_MISSING ?? 'docker-compose was not prepared by global setup');
  const result = spawnSync(compose, ['-f', 'docker-compose.yml', 'config'], { cwd: projectRoot, encoding: 'utf8' });
  expect(result.stderr).not.toMatch(/error|invalid/i);
  expect(result.status).toBe(0);

  const config = parse(result.stdout) as {
    services: Record<
      string,
      { image?: string; build?: unknown; environment?: Record<string, string>; command?: string[] }
    >;
  };
  expect(Object.keys(config.services).sort()).toEqual(['intake', 'postgresql', 'temporal', 'temporal-ui', 'worker']);
  expect(config.services.temporal!.environment).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'postgresql' });
  expect(config.services['temporal-ui']!.environment).toMatchObject({ TEMPORAL_ADDRESS: 'temporal:7233' });
  expect(config.services.worker!.build).toBeDefined();
  expect(config.services.worker!.environment).toMatchObject({ TEMPORAL_ADDRESS: 'temporal:7233' });
  expect(config.services.intake!.command).toEqual(['npx', 'tsx', 'client/intake/main.ts']);
});
