import {
  AuthenticationHandler,
  Client,
  HTTPMessageHandler,
  TelemetryHandler,
  type GraphRequest,
} from '@microsoft/microsoft-graph-client';
import { ApplicationFailure } from '@temporalio/common';
import type { z } from 'zod';
import type { CachedToken } from './auth';
import { statusOf, toFailure, type Call, type Service } from './errors';

export interface ApiClientOptions {
  service: Service;
  /** Service root, for example https://graph.microsoft.com or https://api.securitycenter.microsoft.com. */
  baseUrl: string;
  /** First path segment after the root: `v1.0` for Graph, `api` for Defender for Endpoint. */
  version: string;
  token: CachedToken;
  timeoutMs: number;
}

export interface Page<T> {
  items: T[];
  /** The service had more than was fetched (the limit or the page bound was reached). */
  more: boolean;
  /** `@odata.count`, when asked for and answered. */
  count?: number;
}

/** Encodes one path segment; `@` stays readable (it is allowed in a path and common in UPNs). */
export function segment(value: string): string {
  return encodeURIComponent(value).replace(/%40/g, '@');
}

/**
 * `@microsoft/microsoft-graph-client` with a middleware chain of its own: authentication, telemetry and the HTTP call,
 * but no RetryHandler (it would retry 429/503/504, POST and PATCH included, and sleep inside the activity) and no
 * RedirectHandler. Every request has a deadline; every answer is checked with zod; every failure becomes the
 * activity error contract. Used for Graph and, with another root and token, for Defender for Endpoint.
 */
export class ApiClient {
  private readonly client: Client;
  private readonly host: string;

  constructor(private readonly options: ApiClientOptions) {
    this.host = new URL(options.baseUrl).hostname;
    this.client = Client.initWithMiddleware({
      baseUrl: options.baseUrl,
      defaultVersion: options.version,
      // The client only attaches the token for Graph's own hosts and these (host names, without the port).
      customHosts: new Set([this.host]),
      middleware: [new AuthenticationHandler(options.token), new TelemetryHandler(), new HTTPMessageHandler()],
    });
  }

  get service(): Service {
    return this.options.service;
  }

  async get<T>(
    path: string,
    schema: z.ZodType<T>,
    call: Call,
    build?: (request: GraphRequest) => GraphRequest,
  ): Promise<T> {
    return this.send(path, call, schema, (request) => (build ? build(request) : request).get());
  }

  /** Like `get`, but a 404 answers `undefined` (no manager, never risky). */
  async find<T>(
    path: string,
    schema: z.ZodType<T>,
    call: Call,
    build?: (request: GraphRequest) => GraphRequest,
  ): Promise<T | undefined> {
    try {
      return await this.send(path, call, schema, (request) => (build ? build(request) : request).get(), {
        passNotFound: true,
      });
    } catch (err) {
      if (err instanceof NotFound) return undefined;
      throw err;
    }
  }

  async post<T>(path: string, body: unknown, schema: z.ZodType<T>, call: Call): Promise<T> {
    return this.send(path, call, schema, (request) => request.post(body ?? {}));
  }

  async patch(path: string, body: unknown, call: Call): Promise<void> {
    await this.send(path, call, undefined, (request) => request.patch(body));
  }

  /**
   * Reads a collection, following `@odata.nextLink` verbatim, until `limit` items or `maxPages` pages. The first
   * request asks for at most `limit` items per page.
   */
  async collect<T>(
    path: string,
    item: z.ZodType<T>,
    call: Call,
    options: {
      limit: number;
      maxPages: number;
      build?: (request: GraphRequest) => GraphRequest;
      headers?: Record<string, string>;
    },
  ): Promise<Page<T>> {
    const items: T[] = [];
    let count: number | undefined;
    let next: string | undefined = path;
    let pages = 0;
    while (next !== undefined && items.length < options.limit && pages < options.maxPages) {
      const first: boolean = pages === 0;
      const url: string = next;
      if (!first && !this.sameService(url)) {
        throw ApplicationFailure.nonRetryable(
          `${this.service} answered ${call.what} with a next page on another host (${new URL(url).host}); not following it`,
          'GraphUnexpectedResponse',
        );
      }
      const body: unknown = await this.send(url, call, undefined, (request) => {
        let r = options.headers ? request.headers(options.headers) : request;
        if (first && options.build) r = options.build(r);
        return r.get();
      });
      const page = parseCollection(body, item, call);
      items.push(...page.value);
      count ??= page.count;
      next = page.nextLink;
      pages += 1;
    }
    return { items: items.slice(0, options.limit), more: next !== undefined || items.length > options.limit, count };
  }

  private sameService(url: string): boolean {
    try {
      const parsed = new URL(url);
      return parsed.protocol === 'https:' && parsed.hostname === this.host;
    } catch {
      return false;
    }
  }

  private async send<T>(
    path: string,
    call: Call,
    schema: z.ZodType<T> | undefined,
    run: (request: GraphRequest) => Promise<unknown>,
    options: { passNotFound?: boolean } = {},
  ): Promise<T> {
    const signal = AbortSignal.timeout(this.options.timeoutMs);
    let body: unknown;
    try {
      body = await run(this.client.api(path).option('signal', signal));
    } catch (err) {
      if (options.passNotFound && statusOf(err) === 404) throw new NotFound();
      if (statusOf(err) === 401) this.options.token.invalidate();
      const timedOut = signal.aborted && (signal.reason as Error | undefined)?.name === 'TimeoutError';
      throw toFailure(err, call, timedOut ? { timedOutAfterMs: this.options.timeoutMs } : {});
    }
    if (!schema) return body as T;
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw ApplicationFailure.nonRetryable(
        `${this.service} answered ${call.what} with an unexpected shape (${issue?.path.join('.') || 'body'}: ${issue?.message})`,
        'GraphUnexpectedResponse',
      );
    }
    return parsed.data;
  }
}

class NotFound extends Error {}

function parseCollection<T>(
  body: unknown,
  item: z.ZodType<T>,
  call: Call,
): { value: T[]; nextLink?: string; count?: number } {
  const record = (body ?? {}) as Record<string, unknown>;
  if (!Array.isArray(record.value)) {
    throw ApplicationFailure.nonRetryable(
      `${call.service} answered ${call.what} without a "value" collection`,
      'GraphUnexpectedResponse',
    );
  }
  const value: T[] = [];
  for (const [index, raw] of record.value.entries()) {
    const parsed = item.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw ApplicationFailure.nonRetryable(
        `${call.service} answered ${call.what} with an unexpected item (value.${index}.${issue?.path.join('.')}: ${issue?.message})`,
        'GraphUnexpectedResponse',
      );
    }
    value.push(parsed.data);
  }
  const nextLink = typeof record['@odata.nextLink'] === 'string' ? record['@odata.nextLink'] : undefined;
  const count = typeof record['@odata.count'] === 'number' ? record['@odata.count'] : undefined;
  return { value, nextLink, count };
}
