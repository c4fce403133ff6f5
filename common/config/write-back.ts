import { z } from 'zod';
import { writeBackTransitions, type WriteBackTransition } from '../write-back';
import { ConfigError, parseVar, type Env } from './env';
import { httpsRoot } from './graph';

/**
 * SIEM write-back, per source: whether it is on, where to write, which transitions, the comment's template and the
 * owner to assign. A source with nothing configured writes nothing back (its cases record "not configured").
 */

export const writeBackSources = ['defender', 'sentinel', 'splunk', 'elastic'] as const;
export type WriteBackSource = (typeof writeBackSources)[number];

export interface WriteBackSourceSettings {
  transitions: WriteBackTransition[];
  /** The comment, with `{placeholders}` (see `commentPlaceholders`); the idempotency marker is always appended. */
  commentTemplate: string;
  /** Who the alert is assigned to on escalation (Defender `assignedTo`, Sentinel owner object id, Splunk owner). */
  owner?: string;
}

export interface WriteBackConfig {
  /** The link to the case in the Web UI, with `{workflowId}`. */
  caseUrlTemplate: string;
  requestTimeoutMs: number;
  /** Through Microsoft Graph with the GRAPH_* app registration (SecurityAlert.ReadWrite.All). */
  defender?: WriteBackSourceSettings;
  /** Through Azure Resource Manager with the GRAPH_* app registration (Microsoft Sentinel Responder). */
  sentinel?: WriteBackSourceSettings & { armBaseUrl: string };
  splunk?: WriteBackSourceSettings & { baseUrl: string; token: string };
  elastic?: WriteBackSourceSettings & { kibanaUrl: string; apiKey: string; closeReason: boolean };
}

export const commentPlaceholders = [
  'transition',
  'reason',
  'title',
  'state',
  'disposition',
  'caseUrl',
  'workflowId',
] as const;

export const defaultCommentTemplate =
  'SOC triage — {transition}: {reason} (state {state}, disposition {disposition}). Case: {caseUrl}';

const onOff = z.enum(['on', 'off'], { error: 'must be on or off' });

const transitionList = z
  .string()
  .transform((raw) =>
    raw
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean),
  )
  .pipe(
    z
      .array(z.enum(writeBackTransitions, { error: `must list transitions among ${writeBackTransitions.join(', ')}` }))
      .min(1, `must list at least one of ${writeBackTransitions.join(', ')}`),
  );

const template = z
  .string()
  .max(2000, 'must be at most 2000 characters')
  .superRefine((raw, ctx) => {
    for (const [, name] of raw.matchAll(/\{([^}]*)\}/g)) {
      if (!(commentPlaceholders as readonly string[]).includes(name!))
        ctx.addIssue({
          code: 'custom',
          message: `has an unknown placeholder {${name}} (known: ${commentPlaceholders.map((p) => `{${p}}`).join(', ')})`,
        });
    }
  });

const caseUrl = z
  .string()
  .refine((raw) => raw.includes('{workflowId}'), { message: 'must contain {workflowId}' })
  .refine((raw) => /^https?:\/\//.test(raw), { message: 'must be an http:// or https:// URL' });

const secret = z.string().min(8, 'looks too short to be a credential');

function settingsOf(env: Env, source: WriteBackSource): WriteBackSourceSettings {
  const prefix = `SOC_WRITEBACK_${source.toUpperCase()}`;
  const owner = parseVar(env, `${prefix}_OWNER`, z.string().max(256, 'must be at most 256 characters'));
  if (source === 'sentinel' && owner && !/^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$/.test(owner))
    throw new ConfigError(`${prefix}_OWNER`, 'must be the Entra object id (GUID) of the incident owner');
  return {
    transitions: parseVar(env, `${prefix}_TRANSITIONS`, transitionList, [...writeBackTransitions])!,
    commentTemplate: parseVar(env, `${prefix}_COMMENT`, template, defaultCommentTemplate)!,
    ...(owner ? { owner } : {}),
  };
}

const needsGraph = (env: Env, variable: string) => {
  if (!(env.GRAPH_TENANT_ID ?? '').trim())
    throw new ConfigError(
      variable,
      'is on, but GRAPH_TENANT_ID is not set: it writes with the GRAPH_* app registration',
    );
};

/** Both or neither: a URL without its credential (or the reverse) is a mistake, not "off". */
function pair(env: Env, urlVar: string, secretVar: string): { url: string; secret: string } | undefined {
  const url = parseVar(env, urlVar, httpsRoot);
  const key = parseVar(env, secretVar, secret);
  if (url && !key) throw new ConfigError(secretVar, `must be set when ${urlVar} is`);
  if (key && !url) throw new ConfigError(urlVar, `must be set when ${secretVar} is (an https:// root URL)`);
  return url && key ? { url, secret: key } : undefined;
}

export function loadWriteBackConfig(env: Env = process.env): WriteBackConfig {
  const namespace = (env.TEMPORAL_NAMESPACE ?? '').trim() || 'default';
  const config: WriteBackConfig = {
    caseUrlTemplate: parseVar(
      env,
      'SOC_WRITEBACK_CASE_URL',
      caseUrl,
      `http://localhost:8233/namespaces/${encodeURIComponent(namespace)}/workflows/{workflowId}`,
    )!,
    requestTimeoutMs:
      parseVar(
        env,
        'SOC_WRITEBACK_TIMEOUT_SECONDS',
        z.coerce.number().int('must be a whole number of seconds').min(1).max(50, 'must be between 1 and 50 seconds'),
        20,
      )! * 1000,
  };
  if (parseVar(env, 'SOC_WRITEBACK_DEFENDER', onOff, 'off') === 'on') {
    needsGraph(env, 'SOC_WRITEBACK_DEFENDER');
    config.defender = settingsOf(env, 'defender');
  }
  if (parseVar(env, 'SOC_WRITEBACK_SENTINEL', onOff, 'off') === 'on') {
    needsGraph(env, 'SOC_WRITEBACK_SENTINEL');
    const armBaseUrl = parseVar(env, 'SOC_WRITEBACK_SENTINEL_ARM_URL', httpsRoot, 'https://management.azure.com')!;
    config.sentinel = { ...settingsOf(env, 'sentinel'), armBaseUrl };
  }
  const splunk = pair(env, 'SOC_WRITEBACK_SPLUNK_URL', 'SOC_WRITEBACK_SPLUNK_TOKEN');
  if (splunk) config.splunk = { ...settingsOf(env, 'splunk'), baseUrl: splunk.url, token: splunk.secret };
  const elastic = pair(env, 'SOC_WRITEBACK_ELASTIC_KIBANA_URL', 'SOC_WRITEBACK_ELASTIC_API_KEY');
  if (elastic)
    config.elastic = {
      ...settingsOf(env, 'elastic'),
      kibanaUrl: elastic.url,
      apiKey: elastic.secret,
      closeReason: parseVar(env, 'SOC_WRITEBACK_ELASTIC_CLOSE_REASON', onOff, 'off') === 'on',
    };
  return config;
}
