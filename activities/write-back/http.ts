import { ApplicationFailure } from '@temporalio/common';
import { retryAfterMs } from '../graph/errors';

/**
 * One HTTPS request to a SIEM's API, with the activity error contract (activities/ports.ts): 429/503/504 retry no
 * earlier than `Retry-After`; 401/403/404 are permanent with a message naming what to fix; other 4xx are permanent;
 * 5xx, timeouts and network trouble are retried. Statuses the caller handles itself (`pass`) are returned.
 */

export interface SiemCall {
  /** "Microsoft Sentinel", "Splunk ES", "Kibana". */
  service: string;
  /** For the analyst: "updating the incident". */
  what: string;
  /** The role or capability a 403 means is missing. */
  permission: string;
  /** What a 404 means here (the incident was deleted, …). */
  notFound: string;
}

export interface SiemResponse {
  status: number;
  body: unknown;
  headers: Headers;
}

export async function siemRequest(
  call: SiemCall,
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string; pass?: number[]; timeoutMs: number },
): Promise<SiemResponse> {
  const { service, what } = call;
  let response: Response;
  try {
    response = await fetch(url, {
      method: init.method,
      headers: init.headers,
      body: init.body,
      redirect: 'error',
      signal: AbortSignal.timeout(init.timeoutMs),
    });
  } catch (err) {
    const timedOut = (err as Error | undefined)?.name === 'TimeoutError';
    throw ApplicationFailure.create({
      message: timedOut
        ? `${service} did not answer ${what} within ${Math.round(init.timeoutMs / 1000)} s`
        : `${service} could not be reached for ${what} (${(err as Error).cause ?? (err as Error).message})`,
      type: timedOut ? 'SiemTimeout' : 'SiemUnreachable',
    });
  }
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // Splunk answers XML or text on some errors: keep the text for the message.
  }
  const { status } = response;
  if ((status >= 200 && status < 300) || init.pass?.includes(status))
    return { status, body, headers: response.headers };
  throw failureOf(call, status, detailOf(body), response.headers);
}

function detailOf(body: unknown): string {
  if (typeof body === 'string') return body.slice(0, 200);
  const b = body as {
    error?: { code?: string; message?: string } | string;
    message?: string;
    messages?: { text?: string }[];
  };
  const text =
    (typeof b?.error === 'object' ? [b.error.code, b.error.message].filter(Boolean).join(': ') : b?.error) ??
    b?.message ??
    b?.messages?.[0]?.text;
  return String(text ?? '').slice(0, 200);
}

export function failureOf(call: SiemCall, status: number, detail: string, headers?: Headers): ApplicationFailure {
  const { service, what, permission } = call;
  const said = `${status}${detail ? ` ${detail}` : ''}`;
  if (status === 429 || status === 503 || status === 504) {
    const delay = retryAfterMs(headers);
    return ApplicationFailure.create({
      message: `${service} is ${status === 429 ? 'throttling' : 'unable to serve'} ${what} (${said})${delay !== undefined ? `; retrying after ${Math.ceil(delay / 1000)} s (Retry-After)` : ''}`,
      type: status === 429 ? 'SiemThrottled' : 'SiemUnavailable',
      nextRetryDelay: delay,
    });
  }
  if (status === 401)
    return ApplicationFailure.nonRetryable(
      `${service} rejected the credentials for ${what} (${said})`,
      'SiemUnauthorized',
    );
  if (status === 403)
    return ApplicationFailure.nonRetryable(
      `${service} denied ${what}: it needs ${permission} (${said})`,
      'SiemPermissionDenied',
    );
  if (status === 404) return ApplicationFailure.nonRetryable(`${call.notFound} (${service}, ${said})`, 'SiemNotFound');
  if (status >= 500)
    return ApplicationFailure.create({ message: `${service} failed ${what} (${said})`, type: 'SiemServerError' });
  return ApplicationFailure.nonRetryable(`${service} rejected ${what} (${said})`, 'SiemRequestRejected');
}
