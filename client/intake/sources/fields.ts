import { createHash } from 'node:crypto';
import { z } from 'zod';
import { alertEntitiesSchema, severities, type AlertEntities, type Severity } from '../../../common/alert';

/** Small, shared conversions from vendor fields to the alert model. Each returns `undefined` rather than guessing. */

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/** Optional text as SIEMs send it: a string, a number, or a multivalue array (its first non-empty value). */
export const optionalText = z
  .union([scalar, z.array(scalar)])
  .optional()
  .transform((value) => {
    const values = Array.isArray(value) ? value : [value];
    for (const item of values) {
      const text = item === null || item === undefined ? '' : String(item).trim();
      if (text) return text;
    }
    return undefined;
  });

/** A zod error message that tells a missing field from a wrong one. */
export const requiredAs =
  (what: string, missing = 'is required') =>
  (issue: { input?: unknown }) =>
    issue.input === undefined ? missing : `must be ${what}`;

/** An optional number that may arrive as a numeric string. */
export const optionalNumber = z
  .union([z.number(), z.string().regex(/^-?\d+(\.\d+)?$/, 'must be a number'), z.null()])
  .optional()
  .transform((value) => (value === null || value === undefined ? undefined : Number(value)));

/** A vendor id as the model's `sourceAlertId` (≤ 512 characters); longer ids are replaced by their hash. */
export function alertIdOf(id: string): string {
  return id.length <= 512 ? id : `sha256:${createHash('sha256').update(id).digest('hex')}`;
}

export function shortHash(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 16);
}

const EARLIEST = Date.UTC(1990, 0, 1);
const LATEST = Date.UTC(2200, 0, 1);

function iso(ms: number): string | undefined {
  return Number.isFinite(ms) && ms >= EARLIEST && ms < LATEST ? new Date(ms).toISOString() : undefined;
}

/** An ISO 8601 timestamp with an offset (any sub-second precision) → ISO string in UTC with milliseconds. */
export function fromIsoTime(value: string | undefined): string | undefined {
  if (!value || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(value)) return undefined;
  // Date.parse accepts at most millisecond precision in some engines: drop the extra digits first.
  return iso(Date.parse(value.replace(/(\.\d{3})\d+/, '$1')));
}

/** Epoch seconds, possibly fractional and possibly a string (Splunk's `_time`). */
export function fromEpochSeconds(value: string | number | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  const seconds = typeof value === 'number' ? value : /^\d+(\.\d+)?$/.test(value) ? Number(value) : NaN;
  return iso(seconds * 1000);
}

export function fromEpochMillis(value: number | undefined): string | undefined {
  return value === undefined ? undefined : iso(value);
}

const severityWords: Record<string, Severity> = {
  informational: 'informational',
  info: 'informational',
  information: 'informational',
  low: 'low',
  medium: 'medium',
  moderate: 'medium',
  high: 'high',
  critical: 'critical',
  fatal: 'critical',
};

/** "High", "informational", "CRITICAL" → the model's severity; anything else → `undefined`. */
export function severityFromWord(value: string | undefined): Severity | undefined {
  return value ? severityWords[value.trim().toLowerCase()] : undefined;
}

/** Elastic's risk score bands (0–21 low, 22–47 medium, 48–73 high, 74–100 critical). */
export function severityFromRiskScore(score: number | undefined): Severity | undefined {
  if (score === undefined || !Number.isFinite(score) || score < 0 || score > 100) return undefined;
  if (score <= 21) return 'low';
  if (score <= 47) return 'medium';
  if (score <= 73) return 'high';
  return 'critical';
}

export const defaultSeverity: Severity = 'medium';
export { severities };

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isGuid = (value: string | undefined): value is string => Boolean(value && GUID.test(value));

/**
 * An account as the SIEM names it → a user principal name. `jdoe@example.com` is kept; `CORP\jdoe` and `jdoe` get
 * the SIEM's own UPN suffix or else the configured one, or are kept as they are when none is configured (the analyst still sees who it was).
 */
export function userPrincipalNameOf(
  account: string | undefined,
  upnSuffix: string | undefined,
  ownSuffix?: string,
): string | undefined {
  const value = account?.trim();
  if (!value) return undefined;
  if (value.includes('@')) return value;
  const name = value.includes('\\') ? value.slice(value.lastIndexOf('\\') + 1) : value;
  if (!name) return undefined;
  // A suffix the SIEM sent with the account (Sentinel's `upnSuffix`) wins over the configured one.
  const suffix = ownSuffix?.trim() || upnSuffix;
  return suffix ? `${name}@${suffix}` : value;
}

/** Joins a short host name with its DNS domain unless it already is a fully qualified name. */
export function hostNameOf(host: string | undefined, dnsDomain?: string): string | undefined {
  const name = host?.trim();
  if (!name) return undefined;
  const domain = dnsDomain?.trim();
  return domain && !name.includes('.') ? `${name}.${domain}` : name;
}

/**
 * Builds the entities, keeping each value only if the model accepts it: a SIEM that puts a host name where an IP
 * belongs, or a two-letter account, loses that one field, not the alert.
 */
export function entitiesOf(candidates: {
  userPrincipalName?: string;
  userObjectId?: string;
  host?: string;
  sourceIp?: string;
}): AlertEntities {
  const shape = alertEntitiesSchema.shape;
  const entities: AlertEntities = {};
  for (const field of ['userPrincipalName', 'userObjectId', 'host', 'sourceIp'] as const) {
    const value = candidates[field];
    if (value === undefined) continue;
    const parsed = shape[field].safeParse(value);
    if (parsed.success && parsed.data !== undefined) entities[field] = parsed.data;
  }
  return entities;
}

/** The first of `values` that is a valid IP address. */
export function firstIp(...values: (string | undefined)[]): string | undefined {
  return values.find(
    (value) => value !== undefined && alertEntitiesSchema.shape.sourceIp.safeParse(value).success && value !== '',
  );
}

/** The host part of a URL, for a sending instance named by its links (`https://splunk.example.com:8000/…`). */
export function hostOfUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const { host } = new URL(url);
    return host || undefined;
  } catch {
    return undefined;
  }
}

/** Trims text to the model's limits. */
export function clip(text: string | undefined, max: number): string | undefined {
  const value = text?.trim();
  if (!value) return undefined;
  return value.length <= max ? value : `${value.slice(0, max - 1)}…`;
}
