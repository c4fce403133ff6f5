import { constants, createHmac, randomBytes, randomUUID, timingSafeEqual, verify, X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import type { Device, ManagedDevice, RiskyUser, User } from '@microsoft/microsoft-graph-types';
import { z } from 'zod';
import type {
  CidrRange,
  DefenderMachine,
  DefenderMachineAction,
  DirectoryEntry,
  GraphSeed,
  MachineActionStatus,
  StandInNamedLocation,
  StandInUser,
} from './model';
import { newMachineAction } from './model';
import { graphDemoSeed } from './seed';

/**
 * A local stand-in for Microsoft Graph, Defender for Endpoint and the Entra ID token endpoint, over HTTPS, so the real
 * `@microsoft/microsoft-graph-client` and `@azure/identity` can be exercised without a tenant. It answers with the
 * services' shapes (typed with `@microsoft/microsoft-graph-types`), errors, paging and throttling, checks tokens and
 * application permissions, logs every request, counts every effect it applies per entity, and injects faults per
 * route. Used by the tests and by `npm start` in demo mode.
 */

export const GRAPH_RESOURCE = 'https://graph.microsoft.com';
export const DEFENDER_RESOURCE = 'https://api.securitycenter.microsoft.com';

export const routeNames = [
  'openidConfiguration',
  'token',
  'getUser',
  'updateUser',
  'getManager',
  'transitiveMemberOf',
  'registeredDevices',
  'ownedDevices',
  'managedDevices',
  'revokeSignInSessions',
  'signIns',
  'riskyUser',
  'getNamedLocation',
  'updateNamedLocation',
  'getMachine',
  'listMachines',
  'isolateMachine',
  'unisolateMachine',
  'getMachineAction',
  'cancelMachineAction',
  'listMachineActions',
  'listSecurityAlerts',
] as const;
export type RouteName = (typeof routeNames)[number];

export interface LoggedRequest {
  seq: number;
  /** Arrival time (ms since the epoch). */
  at: number;
  /** When the response was written (ms since the epoch); absent while pending or when the request hung. */
  respondedAt?: number;
  method: string;
  /** Path without the query string, for example `/v1.0/users/jdoe@contoso.example`. */
  path: string;
  /** Decoded query parameters. */
  query: Record<string, string>;
  route?: RouteName;
  /** For token requests: how the app proved itself. */
  grant?: 'client_secret' | 'client_assertion';
  /** The raw `Authorization` header, if any. */
  authorization?: string;
  /** The resource the bearer token was issued for, when it verified. */
  audience?: string;
  clientRequestId?: string;
  body?: unknown;
  status?: number;
  /** The `Retry-After` the response carried, in seconds. */
  retryAfterSeconds?: number;
  /** The injected fault that shaped the response, if any. */
  fault?: Fault['kind'];
}

export type Fault =
  /** Answer with an error instead of (or, with `afterEffect`, after) doing the work. */
  | {
      kind: 'error';
      status: number;
      code?: string;
      message?: string;
      retryAfterSeconds?: number;
      afterEffect?: boolean;
      times?: number;
    }
  /** Delay the answer. */
  | { kind: 'latency'; ms: number; times?: number }
  /** Never answer (before or after doing the work). */
  | { kind: 'hang'; afterEffect?: boolean; times?: number };

export interface GraphStandInOptions {
  /** PEM certificate and key to serve (see `standins/tls.ts`). */
  tls: { cert: string; key: string };
  /** The directory to serve; `graphDemoSeed()` by default. Copied, never mutated. */
  seed?: GraphSeed;
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Largest page a collection answers with, whatever `$top` asks (Graph: 999 for directory objects, 1000 for sign-ins). */
  maxPageSize?: number;
  /** How long a machine action takes from Pending to Succeeded (halfway it is InProgress). */
  machineActionDelayMs?: number;
  tokenLifetimeSeconds?: number;
}

export interface DirectorySnapshot {
  users: Record<string, { accountEnabled: boolean }>;
  namedLocations: Record<string, string[]>;
  machines: Record<string, { isolated: boolean }>;
}

export interface GraphStandIn {
  /** `https://127.0.0.1:<port>`: the Graph base URL (the client adds `/v1.0`), the Defender base URL and the authority host. */
  url: string;
  authorityHost: string;
  tokenUrl: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** Every request in arrival order (cleared in place by `reset()`). */
  log: LoggedRequest[];
  /** effects[entity][action]: how many times the stand-in applied an effect (user UPN, IP, machine DNS name). */
  effects: Record<string, Record<string, number>>;
  effectLog: { entity: string; action: string; at: number }[];
  effectCount(entity: string, action: string): number;
  requests(route: RouteName): LoggedRequest[];
  /** The live directory: tests may read and change it (for example revoke a permission). */
  state: GraphSeed;
  snapshot(): DirectorySnapshot;
  inject(route: RouteName, fault: Fault): void;
  clearFaults(): void;
  /** Machine actions stay Pending until `release` (to stop a worker mid-isolation). */
  holdMachineActions(): void;
  releaseMachineActions(outcome?: 'Succeeded' | 'Failed'): void;
  /** Back to the seed: clears the log, effects, faults, pages and machine actions. Tokens stay valid. */
  reset(): void;
  stop(): Promise<void>;
}

// ---- helpers -------------------------------------------------------------------------------------------------------

/**
 * Applies an OData `$filter` of `and`-joined clauses: `<time field> ge|gt|le|lt <ISO time>` and `<field> eq '<value>'`
 * on the fields given; any other clause is a 400, as Graph answers.
 */
function filterItems<T>(
  items: T[],
  filter: string | undefined,
  fields: { times: string[]; equals: string[]; ignoreCase?: boolean },
): T[] {
  const read = (item: T, field: string) => String((item as Record<string, unknown>)[field] ?? '');
  const fold = (value: string) => (fields.ignoreCase ? value.toLowerCase() : value);
  let result = [...items];
  for (const clause of filter ? filter.split(/\s+and\s+/i) : []) {
    const byTime = /^\(?\s*(\w+) (ge|gt|le|lt) (\d{4}-\d{2}-\d{2}T[\d:.]+Z)\s*\)?$/.exec(clause.trim());
    const byValue = /^\(?\s*(\w+) eq '([^']*)'\s*\)?$/.exec(clause.trim());
    if (byTime && fields.times.includes(byTime[1]!)) {
      const [, field, op, iso] = byTime;
      const bound = Date.parse(iso!);
      if (Number.isNaN(bound)) throw new HttpError(400, 'BadRequest', `Invalid filter clause: ${clause}`);
      result = result.filter((item) => {
        const t = Date.parse(read(item, field!));
        return op === 'ge' ? t >= bound : op === 'gt' ? t > bound : op === 'le' ? t <= bound : t < bound;
      });
    } else if (byValue && fields.equals.includes(byValue[1]!)) {
      const [, field, value] = byValue;
      result = result.filter((item) => fold(read(item, field!)) === fold(value!));
    } else {
      throw new HttpError(400, 'BadRequest', `Invalid filter clause: ${clause}`);
    }
  }
  return result;
}

/** `$top` between 1 and `max` (default `max`), else 400 as Graph answers. */
function topOf(query: Record<string, string>, max: number): number {
  const top = query.$top ? Number(query.$top) : max;
  if (!Number.isInteger(top) || top < 1 || top > max)
    throw new HttpError(400, 'BadRequest', `Invalid $top value: ${query.$top}`);
  return top;
}

interface Result {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const defaultErrors: Record<number, { code: string; message: string }> = {
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

const base64url = (value: Buffer | string) => Buffer.from(value).toString('base64url');
const seconds = (iso: Date) => iso.toISOString().replace(/\.\d{3}Z$/, 'Z');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function entityOfCidr(cidr: string): string {
  const [address, bits] = cidr.split('/');
  return (isIP(address ?? '') === 4 && bits === '32') || (isIP(address ?? '') === 6 && bits === '128')
    ? address!
    : cidr;
}

const userProperties = [
  'id',
  'userPrincipalName',
  'displayName',
  'givenName',
  'surname',
  'mail',
  'jobTitle',
  'department',
  'officeLocation',
  'mobilePhone',
  'businessPhones',
  'preferredLanguage',
  'accountEnabled',
  'onPremisesSyncEnabled',
  'signInSessionsValidFromDateTime',
  'userType',
  'createdDateTime',
] as const;
const defaultUserProperties = [
  'businessPhones',
  'displayName',
  'givenName',
  'jobTitle',
  'mail',
  'mobilePhone',
  'officeLocation',
  'preferredLanguage',
  'surname',
  'userPrincipalName',
  'id',
];

const namedLocationPatch = z.object({
  '@odata.type': z.literal('#microsoft.graph.ipNamedLocation', {
    error: "The '@odata.type' property is required and must be '#microsoft.graph.ipNamedLocation'.",
  }),
  displayName: z.string().min(1).optional(),
  isTrusted: z.boolean().optional(),
  ipRanges: z
    .array(
      z.discriminatedUnion('@odata.type', [
        z.object({ '@odata.type': z.literal('#microsoft.graph.iPv4CidrRange'), cidrAddress: z.string() }),
        z.object({ '@odata.type': z.literal('#microsoft.graph.iPv6CidrRange'), cidrAddress: z.string() }),
      ]),
    )
    .optional(),
});

const userPatch = z.object({ accountEnabled: z.boolean() }).strict();
const isolateBody = z.object({ Comment: z.string().min(1), IsolationType: z.enum(['Full', 'Selective']) }).strict();
const commentBody = z.object({ Comment: z.string().min(1) }).strict();

/** A Defender request body checked against `schema`, or Defender's 400. */
function defenderBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new HttpError(
    400,
    'InvalidRequestBody',
    `Request body is incorrect: ${issue?.path.join('.')} ${issue?.message}`,
  );
}

function validCidr(range: CidrRange): boolean {
  const [address, bits, extra] = range.cidrAddress.split('/');
  if (extra !== undefined || bits === undefined || !/^\d{1,3}$/.test(bits)) return false;
  const family = range['@odata.type'] === '#microsoft.graph.iPv4CidrRange' ? 4 : 6;
  return isIP(address ?? '') === family && Number(bits) <= (family === 4 ? 32 : 128);
}

// ---- the server ----------------------------------------------------------------------------------------------------

export async function startGraphStandIn(options: GraphStandInOptions): Promise<GraphStandIn> {
  const seed = structuredClone(options.seed ?? graphDemoSeed());
  const maxPageSize = options.maxPageSize ?? 999;
  const actionDelayMs = options.machineActionDelayMs ?? 400;
  const tokenLifetime = options.tokenLifetimeSeconds ?? 3599;
  const signingKey = randomBytes(32);

  let state: GraphSeed = structuredClone(seed);
  const log: LoggedRequest[] = [];
  const effects: Record<string, Record<string, number>> = {};
  const effectLog: { entity: string; action: string; at: number }[] = [];
  const faults = new Map<RouteName, Fault[]>();
  const pages = new Map<string, { path: string; items: unknown[]; pageSize: number; context: string }>();
  const timers = new Set<NodeJS.Timeout>();
  let holdActions = false;
  let seq = 0;

  const app = Fastify({
    https: { cert: options.tls.cert, key: options.tls.key },
    forceCloseConnections: true,
    logger: false,
  });
  /** Known once listening; handlers only run after that. */
  let url = '';

  // Graph clients send JSON (sometimes an empty body on POST); the token endpoint gets a form.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    if (!body) return done(null, undefined);
    try {
      done(null, JSON.parse(body as string));
    } catch {
      done(new HttpError(400, 'BadRequest', 'Unable to read JSON request payload.'), undefined);
    }
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body || undefined));

  function countEffect(entity: string, action: string): void {
    const perEntity = (effects[entity] ??= {});
    perEntity[action] = (perEntity[action] ?? 0) + 1;
    effectLog.push({ entity, action, at: Date.now() });
  }

  // ---- tokens --------------------------------------------------------------------------------------------------

  function issueToken(resource: string): string {
    const now = Math.floor(Date.now() / 1000);
    const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
    const payload = base64url(
      JSON.stringify({
        aud: resource,
        iss: `https://sts.windows.net/${state.tenantId}/`,
        iat: now,
        nbf: now,
        exp: now + tokenLifetime,
        appid: state.app.clientId,
        tid: state.tenantId,
        roles: state.app.permissions,
        jti: randomUUID(),
      }),
    );
    const signature = base64url(createHmac('sha256', signingKey).update(`${header}.${payload}`).digest());
    return `${header}.${payload}.${signature}`;
  }

  function verifyToken(authorization: string | undefined): { aud: string; appid: string } | string {
    if (!authorization) return 'Access token is empty.';
    const match = /^Bearer (\S+)$/.exec(authorization);
    if (!match) return 'Access token is not a bearer token.';
    const [header, payload, signature] = match[1]!.split('.');
    if (!header || !payload || !signature) return 'Access token validation failure. Invalid token format.';
    const expected = createHmac('sha256', signingKey).update(`${header}.${payload}`).digest();
    const given = Buffer.from(signature, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      return 'Access token validation failure. Invalid signature.';
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
      aud: string;
      exp: number;
      appid: string;
    };
    if (claims.exp * 1000 < Date.now()) return 'Lifetime validation failed, the token is expired.';
    return claims;
  }

  /** Checks a certificate-signed client assertion (RS256 or PS256) against the app's registered certificate. */
  function assertionProblem(form: Record<string, string>, audience: string): string | undefined {
    if (form.client_assertion_type !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer')
      return 'unsupported client_assertion_type';
    if (!state.app.certificatePem) return 'no certificate is registered for the app';
    const [header, payload, signature] = (form.client_assertion ?? '').split('.');
    if (!header || !payload || !signature) return 'malformed assertion';
    const { alg } = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { alg?: string };
    const key = new X509Certificate(state.app.certificatePem).publicKey;
    const data = Buffer.from(`${header}.${payload}`);
    const sig = Buffer.from(signature, 'base64url');
    const valid =
      alg === 'RS256'
        ? verify('sha256', data, key, sig)
        : alg === 'PS256'
          ? verify('sha256', data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, sig)
          : false;
    if (!valid) return `signature (${alg}) does not verify with the registered certificate`;
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
      aud?: string;
      iss?: string;
      sub?: string;
      exp?: number;
    };
    if (claims.iss !== state.app.clientId || claims.sub !== state.app.clientId)
      return 'iss and sub must be the client id';
    if (claims.aud !== audience) return `aud must be ${audience}`;
    if (!claims.exp || claims.exp * 1000 < Date.now()) return 'the assertion has expired';
    return undefined;
  }

  // ---- paging --------------------------------------------------------------------------------------------------

  function page(
    path: string,
    items: unknown[],
    requestedTop: number | undefined,
    context: string,
    extra: Record<string, unknown> = {},
  ): Result {
    const pageSize = Math.max(1, Math.min(requestedTop ?? maxPageSize, maxPageSize));
    const value = items.slice(0, pageSize);
    const rest = items.slice(pageSize);
    const body: Record<string, unknown> = { '@odata.context': context, ...extra, value };
    if (rest.length > 0) {
      const token = randomBytes(12).toString('base64url');
      pages.set(token, { path, items: rest, pageSize, context });
      body['@odata.nextLink'] = `${url}${path}?$skiptoken=${token}`;
    }
    return { status: 200, body };
  }

  function nextPage(path: string, query: Record<string, string>): Result | undefined {
    const token = query.$skiptoken ?? query.$skipToken;
    if (token === undefined) return undefined;
    const saved = pages.get(token);
    if (!saved || saved.path !== path)
      throw new HttpError(400, 'Request_BadRequest', 'The specified page token value has expired or is invalid.');
    pages.delete(token);
    return page(path, saved.items, saved.pageSize, saved.context);
  }

  // ---- directory lookups ---------------------------------------------------------------------------------------

  function findUser(idOrUpn: string): StandInUser {
    const key = idOrUpn.toLowerCase();
    const user = state.users.find((u) => u.id.toLowerCase() === key || u.userPrincipalName.toLowerCase() === key);
    if (!user) {
      throw new HttpError(
        404,
        'Request_ResourceNotFound',
        `Resource '${idOrUpn}' does not exist or one of its queried reference-property objects are not present.`,
      );
    }
    return user;
  }

  function selected(query: Record<string, string>): string[] | undefined {
    const raw = query.$select;
    return raw
      ? raw
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : undefined;
  }

  function userView(user: StandInUser, select: string[] | undefined, withType = false): Record<string, unknown> {
    const fields = select ?? defaultUserProperties;
    const view: Record<string, unknown> = withType ? { '@odata.type': '#microsoft.graph.user' } : {};
    for (const field of fields) {
      if (!(userProperties as readonly string[]).includes(field)) {
        throw new HttpError(
          400,
          'Request_BadRequest',
          `Could not find a property named '${field}' on type 'Microsoft.DirectoryServices.User'.`,
        );
      }
      view[field] = (user as unknown as Record<string, unknown>)[field] ?? (field === 'businessPhones' ? [] : null);
    }
    return view satisfies User;
  }

  function pick<T extends object>(item: T, select: string[] | undefined, keep: string[]): Record<string, unknown> {
    if (!select) return { ...(item as unknown as Record<string, unknown>) };
    const view: Record<string, unknown> = {};
    for (const key of [...keep, ...select]) view[key] = (item as unknown as Record<string, unknown>)[key] ?? null;
    return view;
  }

  /** Without a permission to read a member's type, Graph still lists it, but with only its type and id. */
  function readableDirectoryEntry(entry: DirectoryEntry): boolean {
    const granted = new Set(state.app.permissions);
    const any = (...perms: string[]) => perms.some((p) => granted.has(p));
    switch (entry['@odata.type']) {
      case '#microsoft.graph.group':
        return any('GroupMember.Read.All', 'Group.Read.All', 'Directory.Read.All');
      case '#microsoft.graph.directoryRole':
        return any('RoleManagement.Read.Directory', 'Directory.Read.All');
      case '#microsoft.graph.administrativeUnit':
        return any('AdministrativeUnit.Read.All', 'Directory.Read.All');
    }
  }

  function findMachine(idOrName: string): GraphSeed['machines'][number] {
    const key = idOrName.toLowerCase();
    const machine = state.machines.find((m) => m.id.toLowerCase() === key || m.computerDnsName.toLowerCase() === key);
    if (!machine) throw new HttpError(404, 'ResourceNotFound', `Machine ${idOrName} was not found`);
    return machine;
  }

  function machineView(machine: GraphSeed['machines'][number]): DefenderMachine {
    const { isolated: _isolated, ...view } = machine;
    return view;
  }

  function findNamedLocation(id: string): StandInNamedLocation {
    const location = state.namedLocations.find((l) => l.id === id);
    if (!location)
      throw new HttpError(
        404,
        'Request_ResourceNotFound',
        `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
      );
    return location;
  }

  // ---- machine actions -----------------------------------------------------------------------------------------

  function completeAction(action: DefenderMachineAction, outcome: MachineActionStatus): void {
    if (action.status !== 'Pending' && action.status !== 'InProgress') return;
    action.status = outcome;
    action.lastUpdateDateTimeUtc = new Date().toISOString();
    if (outcome === 'Succeeded') {
      const machine = state.machines.find((m) => m.id === action.machineId);
      if (machine) machine.isolated = action.type === 'Isolate';
    }
  }

  function schedule(ms: number, work: () => void): void {
    const timer = setTimeout(() => {
      timers.delete(timer);
      work();
    }, ms);
    timer.unref();
    timers.add(timer);
  }

  function progress(action: DefenderMachineAction): void {
    schedule(actionDelayMs / 2, () => {
      if (action.status === 'Pending' && !holdActions) {
        action.status = 'InProgress';
        action.lastUpdateDateTimeUtc = new Date().toISOString();
      }
    });
    schedule(actionDelayMs, () => {
      if (!holdActions) completeAction(action, 'Succeeded');
    });
  }

  function requestAction(
    machineIdOrName: string,
    type: DefenderMachineAction['type'],
    comment: string,
    scope: DefenderMachineAction['scope'],
  ): Result {
    const machine = findMachine(machineIdOrName);
    const active = state.machineActions.find(
      (a) => a.machineId === machine.id && a.type === type && (a.status === 'Pending' || a.status === 'InProgress'),
    );
    if (active) throw new HttpError(400, 'ActiveRequestAlreadyExists', `Action is already in progress (${active.id})`);
    const action = newMachineAction({
      type,
      requestor: state.app.clientId,
      requestorComment: comment,
      machineId: machine.id,
      computerDnsName: machine.computerDnsName,
      scope,
    });
    state.machineActions.push(action);
    countEffect(machine.computerDnsName, type === 'Isolate' ? 'isolate-host' : 'release-host');
    if (!holdActions) progress(action);
    return { status: 201, body: { '@odata.context': `${url}/api/$metadata#MachineActions/$entity`, ...action } };
  }

  // ---- routing -------------------------------------------------------------------------------------------------

  type Resource = typeof GRAPH_RESOURCE | typeof DEFENDER_RESOURCE | undefined;
  interface Ctx {
    req: FastifyRequest;
    params: Record<string, string>;
    query: Record<string, string>;
    body: unknown;
    path: string;
  }

  function errorResult(
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

  function takeFault(route: RouteName, when: 'before' | 'after-effect' | 'latency'): Fault | undefined {
    const list = faults.get(route);
    if (!list) return undefined;
    const index = list.findIndex((f) =>
      when === 'latency'
        ? f.kind === 'latency'
        : f.kind !== 'latency' && Boolean(f.afterEffect) === (when === 'after-effect'),
    );
    if (index < 0) return undefined;
    const fault = list[index]!;
    if (fault.times !== undefined) {
      fault.times -= 1;
      if (fault.times <= 0) list.splice(index, 1);
    }
    return fault;
  }

  function faultResult(resource: Resource, fault: Extract<Fault, { kind: 'error' }>, req: FastifyRequest): Result {
    const defaults = defaultErrors[fault.status] ?? { code: 'UnknownError', message: 'Injected failure.' };
    return errorResult(
      resource,
      fault.status,
      fault.code ?? defaults.code,
      fault.message ?? defaults.message,
      req,
      fault.retryAfterSeconds !== undefined ? { 'Retry-After': String(fault.retryAfterSeconds) } : {},
    );
  }

  function route(
    method: 'GET' | 'POST' | 'PATCH',
    path: string,
    name: RouteName,
    resource: Resource,
    permissions: string[][],
    handler: (ctx: Ctx) => Result,
  ): void {
    app.route({
      method,
      url: path,
      handler: async (req: FastifyRequest, reply: FastifyReply) => {
        const entry = logRequest(req, name);
        const send = (result: Result) => {
          entry.status = result.status;
          const retryAfter = result.headers?.['Retry-After'];
          if (retryAfter !== undefined) entry.retryAfterSeconds = Number(retryAfter);
          reply.raw.once('finish', () => (entry.respondedAt = Date.now()));
          reply.code(result.status).headers(result.headers ?? {});
          return result.body === undefined ? reply.send() : reply.send(result.body);
        };
        try {
          if (resource) {
            const claims = verifyToken(req.headers.authorization);
            if (typeof claims === 'string')
              return send(
                errorResult(
                  resource,
                  401,
                  resource === DEFENDER_RESOURCE ? 'Unauthorized' : 'InvalidAuthenticationToken',
                  claims,
                  req,
                ),
              );
            entry.audience = claims.aud;
            if (claims.aud !== resource) {
              return send(
                errorResult(
                  resource,
                  401,
                  resource === DEFENDER_RESOURCE ? 'Unauthorized' : 'InvalidAuthenticationToken',
                  'Access token validation failure. Invalid audience.',
                  req,
                ),
              );
            }
            const granted = new Set(state.app.permissions);
            if (!permissions.every((anyOf) => anyOf.some((p) => granted.has(p)))) {
              return send(
                errorResult(
                  resource,
                  403,
                  resource === DEFENDER_RESOURCE ? 'Forbidden' : 'Authorization_RequestDenied',
                  resource === DEFENDER_RESOURCE
                    ? 'The application does not have any of the required application roles.'
                    : 'Insufficient privileges to complete the operation.',
                  req,
                ),
              );
            }
          }
          const latency = takeFault(name, 'latency');
          if (latency?.kind === 'latency') {
            entry.fault = 'latency';
            await sleep(latency.ms);
          }
          const before = takeFault(name, 'before');
          if (before) {
            entry.fault = before.kind;
            if (before.kind === 'hang') return await new Promise<never>(() => undefined);
            if (before.kind === 'error') return send(faultResult(resource, before, req));
          }
          const ctx: Ctx = {
            req,
            params: req.params as Record<string, string>,
            query: req.query as Record<string, string>,
            body: req.body,
            path: req.url.split('?')[0]!,
          };
          const result = handler(ctx);
          const after = takeFault(name, 'after-effect');
          if (after) {
            entry.fault = after.kind;
            if (after.kind === 'hang') return await new Promise<never>(() => undefined);
            if (after.kind === 'error') return send(faultResult(resource, after, req));
          }
          return send(result);
        } catch (err) {
          if (err instanceof HttpError)
            return send(errorResult(resource, err.status, err.code, err.message, req, err.headers));
          return send(errorResult(resource, 500, 'generalException', String(err), req));
        }
      },
    });
  }

  function logRequest(req: FastifyRequest, name?: RouteName): LoggedRequest {
    const entry: LoggedRequest = {
      seq: ++seq,
      at: Date.now(),
      method: req.method,
      path: req.url.split('?')[0]!,
      query: { ...(req.query as Record<string, string>) },
      route: name,
      authorization: req.headers.authorization,
      clientRequestId: req.headers['client-request-id'] as string | undefined,
      body: req.body,
    };
    log.push(entry);
    return entry;
  }

  const userRead = ['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'];
  const v1 = '/v1.0';

  // ---- Entra ID token endpoint ---------------------------------------------------------------------------------

  app.get('/:tenant/v2.0/.well-known/openid-configuration', async (req, reply) => {
    const entry = logRequest(req, 'openidConfiguration');
    const { tenant } = req.params as { tenant: string };
    const base = `${url}/${tenant}`;
    entry.status = 200;
    reply.raw.once('finish', () => (entry.respondedAt = Date.now()));
    return reply.send({
      token_endpoint: `${base}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${base}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: `${base}/v2.0`,
      request_uri_parameter_supported: false,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      tenant_region_scope: 'EU',
      cloud_instance_name: 'microsoftonline.com',
    });
  });

  app.post('/:tenant/oauth2/v2.0/token', async (req, reply) => {
    const entry = logRequest(req, 'token');
    entry.body = undefined; // never keep the secret in the log
    const form = (req.body ?? {}) as Record<string, string>;
    const { tenant } = req.params as { tenant: string };
    const aadError = (status: number, error: string, code: number, description: string) => {
      entry.status = status;
      reply.raw.once('finish', () => (entry.respondedAt = Date.now()));
      return reply.code(status).send({
        error,
        error_description: `AADSTS${code}: ${description} Trace ID: ${randomUUID()} Correlation ID: ${randomUUID()} Timestamp: ${seconds(new Date())}`,
        error_codes: [code],
        timestamp: seconds(new Date()),
        trace_id: randomUUID(),
        correlation_id: randomUUID(),
      });
    };
    const latency = takeFault('token', 'latency');
    if (latency?.kind === 'latency') await sleep(latency.ms);
    const fault = takeFault('token', 'before');
    if (fault?.kind === 'hang') return new Promise<never>(() => undefined);
    if (fault?.kind === 'error')
      return aadError(
        fault.status,
        fault.code ?? 'temporarily_unavailable',
        50_001,
        fault.message ?? 'The service is temporarily unavailable.',
      );
    if (tenant !== state.tenantId) return aadError(400, 'invalid_tenant', 90_002, `Tenant '${tenant}' not found.`);
    if (form.grant_type !== 'client_credentials')
      return aadError(400, 'unsupported_grant_type', 70_003, 'The app requested an unsupported grant type.');
    if (form.client_id !== state.app.clientId) {
      return aadError(
        400,
        'unauthorized_client',
        700_016,
        `Application with identifier '${form.client_id}' was not found in the directory.`,
      );
    }
    if (form.client_assertion !== undefined) {
      entry.grant = 'client_assertion';
      const problem = assertionProblem(form, `${url}/${tenant}/oauth2/v2.0/token`);
      if (problem)
        return aadError(401, 'invalid_client', 700_027, `Client assertion failed signature validation: ${problem}`);
    } else {
      entry.grant = 'client_secret';
      if (form.client_secret !== state.app.clientSecret) {
        return aadError(
          401,
          'invalid_client',
          7_000_215,
          'Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.',
        );
      }
    }
    const scope = (form.scope ?? '').split(' ').find((s) => s.endsWith('/.default'));
    const resource = scope?.replace(/\/\.default$/, '');
    if (resource !== GRAPH_RESOURCE && resource !== DEFENDER_RESOURCE) {
      return aadError(
        400,
        'invalid_resource',
        500_011,
        `The resource principal named ${resource} was not found in the tenant.`,
      );
    }
    entry.audience = resource;
    entry.status = 200;
    reply.raw.once('finish', () => (entry.respondedAt = Date.now()));
    return reply.send({
      token_type: 'Bearer',
      expires_in: tokenLifetime,
      ext_expires_in: tokenLifetime,
      access_token: issueToken(resource),
    });
  });

  // ---- Microsoft Graph -----------------------------------------------------------------------------------------

  route('GET', `${v1}/users/:id`, 'getUser', GRAPH_RESOURCE, [userRead], ({ params, query }) => {
    const user = findUser(params.id!);
    return {
      status: 200,
      body: { '@odata.context': `${url}${v1}/$metadata#users/$entity`, ...userView(user, selected(query)) },
    };
  });

  route(
    'PATCH',
    `${v1}/users/:id`,
    'updateUser',
    GRAPH_RESOURCE,
    [['User.EnableDisableAccount.All', 'User.ReadWrite.All', 'Directory.ReadWrite.All']],
    ({ params, body }) => {
      const user = findUser(params.id!);
      const parsed = userPatch.safeParse(body);
      if (!parsed.success)
        throw new HttpError(400, 'Request_BadRequest', `Invalid request body: ${parsed.error.issues[0]?.message}`);
      if (user.onPremisesSyncEnabled) {
        throw new HttpError(
          400,
          'Request_BadRequest',
          'Unable to update the specified properties for on-premises mastered Directory Sync objects or objects currently undergoing migration.',
        );
      }
      user.accountEnabled = parsed.data.accountEnabled;
      countEffect(user.userPrincipalName, parsed.data.accountEnabled ? 'enable-account' : 'disable-account');
      return { status: 204 };
    },
  );

  route('GET', `${v1}/users/:id/manager`, 'getManager', GRAPH_RESOURCE, [userRead], ({ params, query }) => {
    const user = findUser(params.id!);
    const manager = user.managerId ? state.users.find((u) => u.id === user.managerId) : undefined;
    if (!manager)
      throw new HttpError(
        404,
        'Request_ResourceNotFound',
        `Resource 'manager' does not exist or one of its queried reference-property objects are not present.`,
      );
    return {
      status: 200,
      body: {
        '@odata.context': `${url}${v1}/$metadata#directoryObjects/$entity`,
        ...userView(manager, selected(query), true),
      },
    };
  });

  route(
    'GET',
    `${v1}/users/:id/transitiveMemberOf`,
    'transitiveMemberOf',
    GRAPH_RESOURCE,
    [userRead],
    ({ req, params, query, path }) => {
      const next = nextPage(path, query);
      if (next) return next;
      const user = findUser(params.id!);
      const wantsCount = query.$count === 'true';
      if (wantsCount && String(req.headers.consistencylevel ?? '').toLowerCase() !== 'eventual') {
        throw new HttpError(400, 'Request_BadRequest', '$count is not currently supported.');
      }
      const select = selected(query);
      const items = user.memberOf
        .map((id) => state.directoryObjects.find((o) => o.id === id))
        .filter((o): o is DirectoryEntry => Boolean(o))
        .map((entry) =>
          readableDirectoryEntry(entry)
            ? pick(entry, select, ['@odata.type', 'id'])
            : { '@odata.type': entry['@odata.type'], id: entry.id, displayName: null },
        );
      return page(
        path,
        items,
        query.$top ? Number(query.$top) : 100,
        `${url}${v1}/$metadata#directoryObjects`,
        wantsCount ? { '@odata.count': items.length } : {},
      );
    },
  );

  const deviceRoute = (segment: 'registeredDevices' | 'ownedDevices', name: RouteName) =>
    route('GET', `${v1}/users/:id/${segment}`, name, GRAPH_RESOURCE, [userRead], ({ params, query, path }) => {
      const next = nextPage(path, query);
      if (next) return next;
      const user = findUser(params.id!);
      const ids = segment === 'registeredDevices' ? user.registeredDeviceIds : user.ownedDeviceIds;
      const items = ids
        .map((id) => state.devices.find((d) => d.id === id))
        .filter((d): d is GraphSeed['devices'][number] => Boolean(d))
        .map((device) =>
          pick(
            { '@odata.type': '#microsoft.graph.device', ...device } satisfies Device & { '@odata.type': string },
            selected(query),
            ['@odata.type', 'id'],
          ),
        );
      return page(path, items, query.$top ? Number(query.$top) : 100, `${url}${v1}/$metadata#directoryObjects`);
    });
  deviceRoute('registeredDevices', 'registeredDevices');
  deviceRoute('ownedDevices', 'ownedDevices');

  route(
    'GET',
    `${v1}/users/:id/managedDevices`,
    'managedDevices',
    GRAPH_RESOURCE,
    [['DeviceManagementManagedDevices.Read.All', 'DeviceManagementManagedDevices.ReadWrite.All']],
    ({ params, query, path }) => {
      const next = nextPage(path, query);
      if (next) return next;
      const user = findUser(params.id!);
      const items = state.managedDevices
        .filter((d) => d.userId === user.id)
        .map((device) => pick(device satisfies ManagedDevice, selected(query), ['id']));
      return page(
        path,
        items,
        query.$top ? Number(query.$top) : 100,
        `${url}${v1}/$metadata#users('${user.id}')/managedDevices`,
      );
    },
  );

  route(
    'POST',
    `${v1}/users/:id/revokeSignInSessions`,
    'revokeSignInSessions',
    GRAPH_RESOURCE,
    [['User.RevokeSessions.All', 'User.ReadWrite.All', 'Directory.ReadWrite.All']],
    ({ params }) => {
      const user = findUser(params.id!);
      user.signInSessionsValidFromDateTime = seconds(new Date());
      countEffect(user.userPrincipalName, 'revoke-sessions');
      return { status: 200, body: { '@odata.context': `${url}${v1}/$metadata#Edm.Boolean`, value: true } };
    },
  );

  route('GET', `${v1}/auditLogs/signIns`, 'signIns', GRAPH_RESOURCE, [['AuditLog.Read.All']], ({ query, path }) => {
    const next = nextPage(path, query);
    if (next) return next;
    const items = filterItems(state.signIns, query.$filter, {
      times: ['createdDateTime'],
      equals: ['userId', 'userPrincipalName'],
      ignoreCase: true,
    });
    items.sort((a, b) => b.createdDateTime.localeCompare(a.createdDateTime));
    return page(path, items, topOf(query, 1000), `${url}${v1}/$metadata#auditLogs/signIns`);
  });

  // Defender XDR alerts: newest first, like Graph; $filter on the documented properties (times and equality).
  route(
    'GET',
    `${v1}/security/alerts_v2`,
    'listSecurityAlerts',
    GRAPH_RESOURCE,
    [['SecurityAlert.Read.All', 'SecurityAlert.ReadWrite.All']],
    ({ query, path }) => {
      const next = nextPage(path, query);
      if (next) return next;
      const items = filterItems(state.securityAlerts, query.$filter, {
        times: ['createdDateTime', 'lastUpdateDateTime'],
        equals: ['status', 'severity', 'serviceSource', 'classification', 'determination'],
      });
      items.sort((a, b) => b.createdDateTime.localeCompare(a.createdDateTime));
      return page(path, items, topOf(query, 2000), `${url}${v1}/$metadata#security/alerts_v2`);
    },
  );

  route(
    'GET',
    `${v1}/identityProtection/riskyUsers/:id`,
    'riskyUser',
    GRAPH_RESOURCE,
    [['IdentityRiskyUser.Read.All', 'IdentityRiskyUser.ReadWrite.All']],
    ({ params }) => {
      const risky = state.riskyUsers.find((r) => r.id === params.id);
      if (!risky) throw new HttpError(404, 'ResourceNotFound', `The riskyUser with id ${params.id} was not found.`);
      return {
        status: 200,
        body: {
          '@odata.context': `${url}${v1}/$metadata#identityProtection/riskyUsers/$entity`,
          ...(risky satisfies RiskyUser),
        },
      };
    },
  );

  route(
    'GET',
    `${v1}/identity/conditionalAccess/namedLocations/:id`,
    'getNamedLocation',
    GRAPH_RESOURCE,
    [['Policy.Read.All']],
    ({ params }) => {
      const location = findNamedLocation(params.id!);
      return {
        status: 200,
        body: {
          '@odata.context': `${url}${v1}/$metadata#identity/conditionalAccess/namedLocations/$entity`,
          ...location,
        },
      };
    },
  );

  route(
    'PATCH',
    `${v1}/identity/conditionalAccess/namedLocations/:id`,
    'updateNamedLocation',
    GRAPH_RESOURCE,
    [['Policy.Read.All'], ['Policy.ReadWrite.ConditionalAccess']],
    ({ params, body }) => {
      const location = findNamedLocation(params.id!);
      const parsed = namedLocationPatch.safeParse(body);
      if (!parsed.success)
        throw new HttpError(400, 'BadRequest', parsed.error.issues[0]?.message ?? 'Invalid request body.');
      const { ipRanges, displayName, isTrusted } = parsed.data;
      if (ipRanges) {
        const invalid = ipRanges.find((r) => !validCidr(r));
        if (invalid) throw new HttpError(400, 'BadRequest', `1001: Invalid IP range '${invalid.cidrAddress}'.`);
        const before = new Set(location.ipRanges.map((r) => r.cidrAddress));
        const after = new Set(ipRanges.map((r) => r.cidrAddress));
        for (const cidr of after) if (!before.has(cidr)) countEffect(entityOfCidr(cidr), 'block-ip');
        for (const cidr of before) if (!after.has(cidr)) countEffect(entityOfCidr(cidr), 'unblock-ip');
        location.ipRanges = ipRanges;
      }
      if (displayName !== undefined) location.displayName = displayName;
      if (isTrusted !== undefined) location.isTrusted = isTrusted;
      location.modifiedDateTime = new Date().toISOString();
      return { status: 204 };
    },
  );

  // ---- Defender for Endpoint -----------------------------------------------------------------------------------

  const machineRead = ['Machine.Read.All', 'Machine.ReadWrite.All'];

  route('GET', '/api/machines/:id', 'getMachine', DEFENDER_RESOURCE, [machineRead], ({ params }) => {
    return {
      status: 200,
      body: { '@odata.context': `${url}/api/$metadata#Machines/$entity`, ...machineView(findMachine(params.id!)) },
    };
  });

  // Defender for Endpoint's machine list: $filter on computerDnsName (eq, startswith), as the adapters use it.
  route('GET', '/api/machines', 'listMachines', DEFENDER_RESOURCE, [machineRead], ({ query }) => {
    let machines = state.machines;
    if (query.$filter) {
      const eq = /^computerDnsName eq '([^']*)'$/i.exec(query.$filter.trim());
      const startsWith = /^startswith\(computerDnsName,\s*'([^']*)'\)$/i.exec(query.$filter.trim());
      if (!eq && !startsWith) throw new HttpError(400, 'InvalidRequestBody', `Invalid filter: ${query.$filter}`);
      const wanted = (eq ?? startsWith)![1]!.toLowerCase();
      machines = machines.filter((m) =>
        eq ? m.computerDnsName.toLowerCase() === wanted : m.computerDnsName.toLowerCase().startsWith(wanted),
      );
    }
    return {
      status: 200,
      body: { '@odata.context': `${url}/api/$metadata#Machines`, value: machines.map(machineView) },
    };
  });

  route(
    'POST',
    '/api/machines/:id/isolate',
    'isolateMachine',
    DEFENDER_RESOURCE,
    [['Machine.Isolate']],
    ({ params, body }) => {
      const request = defenderBody(isolateBody, body);
      return requestAction(params.id!, 'Isolate', request.Comment, request.IsolationType);
    },
  );

  route(
    'POST',
    '/api/machines/:id/unisolate',
    'unisolateMachine',
    DEFENDER_RESOURCE,
    [['Machine.Isolate']],
    ({ params, body }) => {
      const request = defenderBody(commentBody, body);
      return requestAction(params.id!, 'Unisolate', request.Comment, null);
    },
  );

  route(
    'POST',
    '/api/machineactions/:id/cancel',
    'cancelMachineAction',
    DEFENDER_RESOURCE,
    [['Machine.Isolate']],
    ({ params, body }) => {
      const request = defenderBody(commentBody, body);
      const action = state.machineActions.find((a) => a.id === params.id);
      if (!action) throw new HttpError(404, 'ResourceNotFound', `Machine action ${params.id} was not found`);
      if (action.status !== 'Pending' && action.status !== 'InProgress')
        throw new HttpError(
          400,
          'InvalidRequest',
          `Machine action ${action.id} is ${action.status} and cannot be cancelled`,
        );
      const now = new Date().toISOString();
      Object.assign(action, {
        status: 'Cancelled',
        lastUpdateDateTimeUtc: now,
        cancellationRequestor: state.app.clientId,
        cancellationComment: request.Comment,
        cancellationDateTimeUtc: now,
      });
      countEffect(action.computerDnsName, 'cancel-isolate');
      return { status: 200, body: { '@odata.context': `${url}/api/$metadata#MachineActions/$entity`, ...action } };
    },
  );

  route('GET', '/api/machineactions/:id', 'getMachineAction', DEFENDER_RESOURCE, [machineRead], ({ params }) => {
    const action = state.machineActions.find((a) => a.id === params.id);
    if (!action) throw new HttpError(404, 'ResourceNotFound', `Machine action ${params.id} was not found`);
    return { status: 200, body: { '@odata.context': `${url}/api/$metadata#MachineActions/$entity`, ...action } };
  });

  route('GET', '/api/machineactions', 'listMachineActions', DEFENDER_RESOURCE, [machineRead], ({ query }) => {
    let items = [...state.machineActions];
    if (query.$filter) {
      for (const clause of query.$filter.split(/\s+and\s+/i)) {
        const match = /^\(?\s*(id|status|machineId|type|requestor) eq '([^']*)'\s*\)?$/.exec(clause.trim());
        if (!match) throw new HttpError(400, 'InvalidRequestBody', `Invalid filter clause: ${clause}`);
        const [, field, value] = match;
        items = items.filter(
          (a) => String(a[field as keyof DefenderMachineAction]).toLowerCase() === value!.toLowerCase(),
        );
      }
    }
    const skip = query.$skip ? Number(query.$skip) : 0;
    const top = query.$top ? Number(query.$top) : 10_000;
    return {
      status: 200,
      body: { '@odata.context': `${url}/api/$metadata#MachineActions`, value: items.slice(skip, skip + top) },
    };
  });

  app.setNotFoundHandler((req, reply) => {
    const entry = logRequest(req);
    entry.status = 404;
    const resource = req.url.startsWith('/api/') ? DEFENDER_RESOURCE : GRAPH_RESOURCE;
    const result = errorResult(
      resource,
      404,
      resource === DEFENDER_RESOURCE ? 'ResourceNotFound' : 'BadRequest',
      `Resource not found for the segment '${req.url.split('?')[0]}'.`,
      req,
    );
    return reply
      .code(404)
      .headers(result.headers ?? {})
      .send(result.body);
  });

  app.setErrorHandler((err, req, reply) => {
    const status = err instanceof HttpError ? err.status : 500;
    const result = errorResult(
      req.url.startsWith('/api/') ? DEFENDER_RESOURCE : GRAPH_RESOURCE,
      status,
      err instanceof HttpError ? err.code : 'generalException',
      err instanceof Error ? err.message : String(err),
      req,
    );
    return reply
      .code(status)
      .headers(result.headers ?? {})
      .send(result.body);
  });

  // ---- the handle ----------------------------------------------------------------------------------------------

  function clearTimers(): void {
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
  }

  await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 0 });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('the stand-in did not get a TCP address');
  url = `https://${options.host ?? '127.0.0.1'}:${address.port}`;

  const standIn: GraphStandIn = {
    url,
    authorityHost: url,
    tokenUrl: `${url}/${seed.tenantId}/oauth2/v2.0/token`,
    tenantId: seed.tenantId,
    clientId: seed.app.clientId,
    clientSecret: seed.app.clientSecret,
    log,
    effects,
    effectLog,
    effectCount: (entity, action) => effects[entity]?.[action] ?? 0,
    requests: (name) => log.filter((entry) => entry.route === name),
    get state() {
      return state;
    },
    snapshot() {
      return {
        users: Object.fromEntries(state.users.map((u) => [u.userPrincipalName, { accountEnabled: u.accountEnabled }])),
        namedLocations: Object.fromEntries(
          state.namedLocations.map((l) => [l.id, l.ipRanges.map((r) => r.cidrAddress).sort()]),
        ),
        machines: Object.fromEntries(state.machines.map((m) => [m.computerDnsName, { isolated: Boolean(m.isolated) }])),
      };
    },
    inject(name, fault) {
      const list = faults.get(name) ?? [];
      list.push({ ...fault });
      faults.set(name, list);
    },
    clearFaults: () => faults.clear(),
    holdMachineActions() {
      holdActions = true;
    },
    releaseMachineActions(outcome = 'Succeeded') {
      holdActions = false;
      for (const action of state.machineActions) completeAction(action, outcome);
    },
    reset() {
      clearTimers();
      state = structuredClone(seed);
      log.length = 0;
      effectLog.length = 0;
      for (const key of Object.keys(effects)) delete effects[key];
      faults.clear();
      pages.clear();
      holdActions = false;
    },
    async stop() {
      clearTimers();
      await app.close();
    },
  };
  return standIn;
}
