import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

/** The product's dynamic config for the Temporal server: docker-compose.yml mounts this file. */
export const productDynamicConfigFile = join(__dirname, 'temporal-dynamic-config.yaml');

type DynamicConfig = Record<string, { value: unknown; constraints?: Record<string, unknown> }[]>;

export function productDynamicConfig(): DynamicConfig {
  return parse(readFileSync(productDynamicConfigFile, 'utf8')) as DynamicConfig;
}

/** The same settings as the dev server's `--dynamic-config-value key=JSON` flags. */
export function devServerDynamicConfigArgs(): string[] {
  return Object.entries(productDynamicConfig()).flatMap(([key, values]) => [
    '--dynamic-config-value',
    `${key}=${JSON.stringify(values[0]!.value)}`,
  ]);
}
