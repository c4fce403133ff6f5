import { join } from 'node:path';
import { z } from 'zod';
import { parseVar, type Env } from './env';

export interface TriageConfig {
  /** Entra object ids whose decisions the workflow accepts. */
  analysts: string[];
  /**
   * Entra group (object id) whose members the Teams bot also accepts as analysts (SOC_ANALYST_GROUP_ID); their
   * decisions reach the workflow as the bot's own identity, which must then be in `analysts` (see the README).
   */
  analystGroupId?: string;
  /** The YAML rule catalog (`SOC_RULES_FILE`, default: the catalog shipped in `rules/catalog.yaml`). */
  rulesFile: string;
}

const objectIdList = z
  .string()
  .transform((raw) =>
    raw
      .split(',')
      .map((id) => id.trim())
      .filter(Boolean),
  )
  .pipe(
    z.array(z.string().regex(/^[0-9a-fA-F-]{36}$/, 'must list Entra object ids (GUIDs), separated by commas')).min(1),
  );

export const defaultRulesFile = join(__dirname, '..', '..', 'rules', 'catalog.yaml');

export function loadTriageConfig(env: Env = process.env): TriageConfig {
  return {
    analysts: parseVar(env, 'SOC_ANALYSTS', objectIdList, [])!,
    analystGroupId: parseVar(
      env,
      'SOC_ANALYST_GROUP_ID',
      z
        .string()
        .trim()
        .regex(
          /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/,
          'must be the object id (GUID) of an Entra group',
        ),
    ),
    // As given: messages name the file the way the operator wrote it.
    rulesFile: parseVar(env, 'SOC_RULES_FILE', z.string().min(1), defaultRulesFile)!,
  };
}
