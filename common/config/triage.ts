import { z } from 'zod';
import { parseVar, type Env } from './env';

export interface TriageConfig {
  /** Entra object ids whose decisions the workflow accepts. */
  analysts: string[];
}

const objectIdList = z
  .string()
  .transform((raw) => raw.split(',').map((id) => id.trim()).filter(Boolean))
  .pipe(z.array(z.string().regex(/^[0-9a-fA-F-]{36}$/, 'must list Entra object ids (GUIDs), separated by commas')).min(1));

export function loadTriageConfig(env: Env = process.env): TriageConfig {
  return { analysts: parseVar(env, 'SOC_ANALYSTS', objectIdList, [])! };
}
