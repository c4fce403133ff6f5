import { z } from 'zod';
import { hostPort, parseVar, type Env } from './env';

export interface MetricsConfig {
  /** host:port of the worker's Prometheus endpoint (`/metrics`); undefined when turned off. */
  prometheusBind: string | undefined;
}

const bindAddress = hostPort('host:port such as 127.0.0.1:9464 (0.0.0.0:9464 in a container), or off');
const bindOrOff = z.string().transform((raw, ctx) => {
  if (raw.toLowerCase() === 'off') return 'off';
  const parsed = bindAddress.safeParse(raw);
  if (parsed.success) return parsed.data;
  ctx.addIssue({ code: 'custom', message: parsed.error.issues[0]?.message ?? 'is invalid' });
  return z.NEVER;
});

/** `SOC_METRICS_BIND`: host:port for Prometheus (default 127.0.0.1:9464; 0.0.0.0:9464 in a container), or `off`. */
export function loadMetricsConfig(env: Env = process.env): MetricsConfig {
  const bind = parseVar(env, 'SOC_METRICS_BIND', bindOrOff, '127.0.0.1:9464')!;
  return { prometheusBind: bind === 'off' ? undefined : bind };
}
