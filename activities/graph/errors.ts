import { GraphClientError, GraphError } from '@microsoft/microsoft-graph-client';
import { ApplicationFailure } from '@temporalio/common';

/**
 * Turns what the Graph client throws into the activity error contract (activities/ports.ts): permanent failures are
 * non-retryable with a message an analyst can act on; throttling is retryable no earlier than `Retry-After`; other
 * server errors and network trouble are plainly retryable. The Graph client's own RetryHandler is not in the chain,
 * so Temporal is the only thing that retries.
 */

export type Service = 'Microsoft Graph' | 'Defender for Endpoint' | 'Azure Resource Manager';

/** What a request was for, so its failure can say so. */
export interface Call {
  service: Service;
  /** For the analyst, for example "reading jdoe@contoso.example's sign-ins". */
  what: string;
  /** The least-privileged application permission the request needs (named when the service answers 403). */
  permission: string;
  /** What a 404 means here, when it means something more specific than "not found". */
  notFound?: string;
  /** A more specific reading of an error answer (for example the on-premises 400 of a user update). */
  explain?: (err: GraphError) => ApplicationFailure | undefined;
}

/** A failure to get a token. It extends GraphClientError so the Graph client passes it through unchanged. */
export class TokenError extends GraphClientError {
  constructor(
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
    Object.setPrototypeOf(this, TokenError.prototype);
    this.name = 'TokenError';
  }
}

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date. */
export function retryAfterMs(headers: Headers | undefined, now = Date.now()): number | undefined {
  const raw = headers?.get('retry-after')?.trim();
  if (!raw) return undefined;
  if (/^\d+$/.test(raw)) return Number(raw) * 1000;
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function describe(err: GraphError): string {
  const code = err.code && err.code !== 'Error' ? ` ${err.code}` : '';
  const message = err.message ? `: ${err.message}` : '';
  return `${err.statusCode}${code}${message}`;
}

export function toFailure(err: unknown, call: Call, options: { timedOutAfterMs?: number } = {}): ApplicationFailure {
  const { service, what, permission } = call;
  if (err instanceof ApplicationFailure) return err;
  if (err instanceof TokenError) {
    return err.permanent
      ? ApplicationFailure.nonRetryable(err.message, 'GraphAuthenticationFailed')
      : ApplicationFailure.create({ message: err.message, type: 'GraphAuthenticationUnavailable' });
  }
  if (options.timedOutAfterMs !== undefined) {
    return ApplicationFailure.create({
      message: `${service} did not answer ${what} within ${Math.round(options.timedOutAfterMs / 1000)} s`,
      type: 'GraphTimeout',
    });
  }
  if (!(err instanceof GraphError) || err.statusCode < 100) {
    const reason = err instanceof Error ? err.message : String(err);
    return ApplicationFailure.create({
      message: `${service} could not be reached for ${what} (${reason})`,
      type: 'GraphUnreachable',
    });
  }

  const explained = call.explain?.(err);
  if (explained) return explained;
  const status = err.statusCode;
  if (status === 429 || status === 503 || status === 504) {
    const delay = retryAfterMs(err.headers);
    const wait = delay !== undefined ? `; retrying after ${Math.ceil(delay / 1000)} s (Retry-After)` : '';
    return ApplicationFailure.create({
      message: `${service} is ${status === 429 ? 'throttling' : 'temporarily unable to serve'} ${what} (${describe(err)})${wait}`,
      type: status === 429 ? 'GraphThrottled' : 'GraphUnavailable',
      nextRetryDelay: delay,
    });
  }
  if (status === 403) {
    if (err.code === 'Authentication_RequestFromNonPremiumTenantOrB2CTenant') {
      return ApplicationFailure.nonRetryable(
        `${service} refused ${what}: the tenant needs a Microsoft Entra ID P1 or P2 licence for this (403 ${err.code})`,
        'GraphLicenceMissing',
      );
    }
    return ApplicationFailure.nonRetryable(
      `${service} denied ${what}: the app registration needs the application permission ${permission}, with admin consent (403${err.code ? ` ${err.code}` : ''})`,
      'GraphPermissionDenied',
    );
  }
  if (status === 404) {
    return ApplicationFailure.nonRetryable(
      call.notFound ?? `${service} found nothing for ${what} (${describe(err)})`,
      'GraphNotFound',
    );
  }
  if (status === 401) {
    // A token the service no longer accepts (expired early, consent just revoked): a fresh one may work.
    return ApplicationFailure.create({
      message: `${service} rejected the app's access token for ${what} (${describe(err)})`,
      type: 'GraphUnauthorized',
    });
  }
  if (status >= 500) {
    return ApplicationFailure.create({
      message: `${service} failed ${what} (${describe(err)})`,
      type: 'GraphServerError',
    });
  }
  return ApplicationFailure.nonRetryable(
    `${service} rejected ${what} (${describe(err)})`,
    status === 400 ? 'GraphBadRequest' : 'GraphRequestRejected',
  );
}

/** The status code of a Graph failure, or undefined for anything else. */
export function statusOf(err: unknown): number | undefined {
  return err instanceof GraphError ? err.statusCode : undefined;
}
