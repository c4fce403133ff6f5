import { join, resolve } from 'node:path';
import { z } from 'zod';
import { parseVar, type Env } from './env';

export interface PostureConfig {
  /** The posture catalog (`SOC_POSTURE_FILE`, default `rules/posture.yaml`); routines run only with `enabled`. */
  file: string;
  /** `SOC_POSTURE=off` starts no routine (their schedules are left as they are). */
  enabled: boolean;
}

export const defaultPostureFile = join(__dirname, '..', '..', 'rules', 'posture.yaml');

export function loadPostureConfig(env: Env = process.env): PostureConfig {
  return {
    file: resolve(parseVar(env, 'SOC_POSTURE_FILE', z.string().min(1), defaultPostureFile)!),
    enabled: parseVar(env, 'SOC_POSTURE', z.enum(['on', 'off'], { error: 'must be on or off' }), 'on') === 'on',
  };
}
