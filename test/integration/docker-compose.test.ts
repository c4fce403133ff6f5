import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { productDynamicConfigFile } from '../../scripts/cluster/dynamic-config';
import { projectRoot } from '../../scripts/servers';

const configDir = join(projectRoot, 'common', 'config');

/** docker-compose.yml is validated by docker-compose itself (no engine runs here), then checked for what users rely on. */
test('docker-compose.yml is valid and runs Temporal on PostgreSQL (schema and namespace jobs), the Web UI, the worker and the intake', () => {
  const compose = process.env.SOC_DOCKER_COMPOSE;
  if (!compose)
    throw new Error(process.env.SOC_DOCKER_COMPOSE_MISSING ?? 'docker-compose was not prepared by global setup');
  const result = spawnSync(compose, ['-f', 'docker-compose.yml', 'config'], { cwd: projectRoot, encoding: 'utf8' });
  expect(result.stderr).not.toMatch(/error|invalid/i);
  expect(result.status).toBe(0);

  const config = parse(result.stdout) as {
    services: Record<
      string,
      {
        image?: string;
        build?: unknown;
        environment?: Record<string, string>;
        command?: string[];
        depends_on?: Record<string, { condition: string }>;
        volumes?: (string | { source: string; target: string })[];
      }
    >;
  };
  expect(Object.keys(config.services).sort()).toEqual([
    'codec',
    'intake',
    'postgresql',
    'temporal',
    'temporal-namespace',
    'temporal-schema',
    'temporal-ui',
    'worker',
  ]);
  // temporalio/auto-setup is no longer published: the plain server, after a schema job run with the admin tools.
  expect(config.services.temporal!.image).toMatch(/^temporalio\/server:1\.29\./);
  expect(config.services.temporal!.environment).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'postgresql' });
  expect(config.services.temporal!.depends_on).toEqual({
    'temporal-schema': { condition: 'service_completed_successfully' },
  });
  // The server runs on the product's dynamic config, the file `npm run cluster` loads too.
  const dynamicConfigPath = config.services.temporal!.environment!.DYNAMIC_CONFIG_FILE_PATH!;
  // docker-compose v1 prints a mount as `source:target:mode`, v2 as an object.
  const mounts = config.services.temporal!.volumes!.map((v) => {
    if (typeof v !== 'string') return v;
    const [source, target] = v.split(':');
    return { source: source!, target: target! };
  });
  const mounted = mounts.find((v) => v.target === `/etc/temporal/${dynamicConfigPath}`);
  expect(mounted?.source).toBe(productDynamicConfigFile);
  expect(Object.keys(parse(readFileSync(mounted!.source, 'utf8')) as object)).toContain(
    'system.enableActivityEagerExecution',
  );
  expect(config.services['temporal-schema']!.image).toMatch(/^temporalio\/admin-tools:1\.29\./);
  expect(config.services['temporal-schema']!.command!.join('\n')).toMatch(/setup-schema[\s\S]*update-schema/);
  expect(config.services['temporal-namespace']!.command!.join('\n')).toContain('operator namespace create');
  for (const product of ['worker', 'intake'])
    expect(config.services[product]!.depends_on).toMatchObject({
      'temporal-namespace': { condition: 'service_completed_successfully' },
    });
  expect(config.services['temporal-ui']!.environment).toMatchObject({ TEMPORAL_ADDRESS: 'temporal:7233' });
  expect(config.services.worker!.build).toBeDefined();
  expect(config.services.worker!.environment).toMatchObject({ TEMPORAL_ADDRESS: 'temporal:7233' });
  expect(config.services.intake!.command).toEqual(['npx', 'tsx', 'client/intake/main.ts']);

  // Every variable handed to the product is one its configuration reads (a misspelt name would silently do nothing).
  const configSource = readdirSync(configDir)
    .map((file) => readFileSync(join(configDir, file), 'utf8'))
    .join('\n');
  expect(config.services.codec!.command).toEqual(['npx', 'tsx', 'client/codec-server/main.ts']);
  expect(config.services['temporal-ui']!.environment).toMatchObject({
    TEMPORAL_CODEC_ENDPOINT: 'http://localhost:8888',
  });
  const handed = ['worker', 'intake', 'codec'].flatMap((service) =>
    Object.keys(config.services[service]!.environment ?? {}),
  );
  expect(handed).toContain('GRAPH_TENANT_ID');
  expect(handed.filter((name) => !configSource.includes(`'${name}'`) && !configSource.includes(`\`${name}`))).toEqual(
    [],
  );
});
