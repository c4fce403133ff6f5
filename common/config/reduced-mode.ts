import { z } from 'zod';
import { parseVar, type Env } from './env';

/**
 * The one reduced mode a production worker may run in, asked for by name: `log-messaging` (no Teams: nobody is asked,
 * escalations are written to the worker's log). Unset: the worker needs Teams.
 */
export const reducedModes = ['log-messaging'] as const;
export type ReducedMode = (typeof reducedModes)[number];

export function loadReducedMode(env: Env = process.env): ReducedMode | undefined {
  return parseVar(
    env,
    'SOC_REDUCED_MODE',
    z.enum(reducedModes, { error: `must be one of: ${reducedModes.join(', ')} (or unset to require Teams)` }),
  );
}
