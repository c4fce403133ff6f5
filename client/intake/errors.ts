import type { z } from 'zod';

/** The JSON errors the intake answers with: a stable `error` code, a message naming the field or problem. */

export interface Problem {
  /** The field in the sender's own terms (`kibana.alert.uuid`, `result._time`), or "" for the body as a whole. */
  path: string;
  message: string;
}

export type RejectionReason =
  | 'unknown_source'
  | 'source_disabled'
  | 'missing_credentials'
  | 'invalid_credentials'
  | 'stale_signature'
  | 'replayed_signature'
  | 'unsupported_media_type'
  | 'payload_too_large'
  | 'too_many_alerts'
  | 'empty_body'
  | 'invalid_json'
  | 'invalid_request'
  | 'invalid_alert'
  | 'temporal_unavailable'
  | 'temporal_overloaded'
  | 'intake_overloaded';

export interface ErrorBody {
  error: RejectionReason | 'not_found' | 'internal_error';
  message: string;
  problems?: Problem[];
}

export class IntakeHttpError extends Error {
  constructor(
    readonly statusCode: 400 | 401 | 403 | 404 | 413 | 415 | 422 | 429 | 503,
    readonly code: RejectionReason,
    message: string,
    readonly problems?: Problem[],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'IntakeHttpError';
  }

  body(): ErrorBody {
    return { error: this.code, message: this.message, ...(this.problems ? { problems: this.problems } : {}) };
  }
}

/** `["kibana","alert","uuid"]` → `kibana.alert.uuid`; `["alerts",1,"id"]` → `alerts[1].id`. */
export function pathText(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (text, key) => (typeof key === 'number' ? `${text}[${key}]` : text ? `${text}.${String(key)}` : String(key)),
    '',
  );
}

function friendly(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type' && /received undefined$/.test(issue.message)) return 'is required';
  if (issue.code === 'unrecognized_keys')
    return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  return issue.message.replace(/^Invalid input: /, '');
}

export function problemsOf(error: z.ZodError): Problem[] {
  return error.issues.slice(0, 20).map((issue) => ({ path: pathText(issue.path), message: friendly(issue) }));
}

/** "kibana.alert.uuid is required; time must be …" for a one-line message. */
export function summarize(problems: Problem[]): string {
  const shown = problems.slice(0, 3).map((p) => (p.path ? `${p.path} ${p.message}` : p.message));
  return shown.join('; ') + (problems.length > 3 ? ` (and ${problems.length - 3} more)` : '');
}
