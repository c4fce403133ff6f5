import { randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';

/** What a route answers, and the error bodies Graph and Defender for Endpoint answer with. */

export const GRAPH_RESOURCE = 'https://graph.microsoft.com';
export const DEFENDER_RESOURCE = 'https://api.securitycenter.microsoft.com';
/** Azure Resource Manager (Sentinel write-back): tokens are issued here, checked by the ARM stand-in (standins/siem). */
export const ARM_RESOURCE = 'https://management.azure.com';

/** The API a route belongs to (its error shape and the token audience it wants); none for the token endpoint. */
export type Resource = typeof GRAPH_RESOURCE | typeof DEFENDER_RESOURCE | undefined;

export interface Result {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const defaultErrors: Record<number, { code: string; message: string }> = {
  400: { code: 'BadRequest', message: 'Bad request.' },
  401: { code: 'InvalidAuthenticationToken', message: 'Access token validation failure.' },
  403: { code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' },
  404: {
    code: 'Request_ResourceNotFound',
    message: 'Resource does not exist or one of its queried reference-property objects are not present.',
  },
  429: { code: 'TooManyRequests', message: 'Too many requests.' },
  500: { code: 'generalException', message: 'An unexpected error occurred.' },
  502: { code: 'badGateway', message: 'Bad gateway.' },
  503: { code: 'serviceNotAvailable', message: 'The service is temporarily unavailable.' },
  504: { code: 'gatewayTimeout', message: 'The gateway timed out.' },
};

export const seconds = (iso: Date) => iso.toISOString().replace(/\.\d{3}Z$/, 'Z');

export function errorResult(
  resource: Resource,
  status: number,
  code: string,
  message: string,
  req: FastifyRequest,
  headers: Record<string, string> = {},
): Result {
  const requestId = randomUUID();
  const clientRequestId = String(req.headers['client-request-id'] ?? requestId);
  const body =
    resource === DEFENDER_RESOURCE
      ? { error: { code, message, target: requestId } }
      : {
          error: {
            code,
            message,
            innerError: { date: seconds(new Date()), 'request-id': requestId, 'client-request-id': clientRequestId },
          },
        };
  return { status, body, headers: { 'request-id': requestId, 'client-request-id': clientRequestId, ...headers } };
}
