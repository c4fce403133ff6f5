import Fastify from 'fastify';
import { alertUpdateRoutes } from './alert-updates';
import { alertRoutes } from './alerts';
import type { Live, StandInDeps } from './context';
import { deviceRoutes } from './devices';
import { createEffects } from './effects';
import { createFaults, type Fault } from './faults';
import { createMachineActions, machineActionRoutes } from './machine-actions';
import { machineRoutes } from './machines';
import type { GraphSeed } from './model';
import { namedLocationRoutes } from './named-locations';
import { createPager } from './odata';
import { createRequestLog, type LoggedRequest } from './request-log';
import { answerUnrouted, createRouter, parseBodies } from './routing';
import type { RouteName } from './routes';
import { graphDemoSeed } from './seed';
import { signInRoutes } from './sign-ins';
import { tokenEndpoint } from './token-endpoint';
import { createTokens } from './tokens';
import { userRoutes } from './users';
import { conditionalAccessPolicyRoutes } from './conditional-access-policies';
import { createSigningKeys } from '../entra/keys';
import { createEntraSignIn, type EntraSignIn } from '../entra/sign-in';
import { postureRoutes } from './posture';

export { ARM_RESOURCE, DEFENDER_RESOURCE, GRAPH_RESOURCE } from './responses';
export { routeNames, type RouteName } from './routes';
export type { Fault } from './faults';
export type { LoggedRequest } from './request-log';

/**
 * A local stand-in for Microsoft Graph, Defender for Endpoint and the Entra ID token endpoint, over HTTPS, so the real
 * `@microsoft/microsoft-graph-client` and `@azure/identity` can be exercised without a tenant. It answers with the
 * services' shapes (typed with `@microsoft/microsoft-graph-types`), errors, paging and throttling, checks tokens and
 * application permissions, logs every request, counts every effect it applies per entity, and injects faults per
 * route. Used by the tests and by `npm start` in demo mode.
 */

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
  /** Entra ID sign-ins for step-up: redirect URIs, passwords, ID token overrides, the authorization requests seen. */
  entra: EntraSignIn;
  /** The live directory: tests may read and change it (for example revoke a permission). */
  state: GraphSeed;
  snapshot(): DirectorySnapshot;
  inject(route: RouteName, fault: Fault): void;
  clearFaults(): void;
  /** Checks a bearer token this stand-in issued: its claims, or why not (for stand-ins of other APIs, e.g. ARM). */
  verifyToken(authorization: string | undefined): { aud: string; appid: string } | string;
  /** Machine actions stay Pending until `release` (to stop a worker mid-isolation). */
  holdMachineActions(): void;
  releaseMachineActions(outcome?: 'Succeeded' | 'Failed'): void;
  /** Back to the seed: clears the log, effects, faults, pages and machine actions. Tokens stay valid. */
  reset(): void;
  stop(): Promise<void>;
}

export async function startGraphStandIn(options: GraphStandInOptions): Promise<GraphStandIn> {
  const seed = structuredClone(options.seed ?? graphDemoSeed());
  const live: Live = { state: structuredClone(seed), url: '' };
  const app = Fastify({
    https: { cert: options.tls.cert, key: options.tls.key },
    forceCloseConnections: true,
    logger: false,
  });
  const tokens = createTokens(live, options.tokenLifetimeSeconds ?? 3599);
  const faults = createFaults();
  const requestLog = createRequestLog();
  const effects = createEffects();
  const pager = createPager(live, options.maxPageSize ?? 999);
  const actions = createMachineActions({ live, effects, delayMs: options.machineActionDelayMs ?? 400 });
  const route = createRouter(app, { live, tokens, faults, requestLog });
  const entra = createEntraSignIn(live, await createSigningKeys());
  const deps: StandInDeps = { app, live, route, pager, effects, faults, requestLog, tokens, entra };

  parseBodies(app);
  for (const routes of [
    tokenEndpoint,
    userRoutes,
    deviceRoutes,
    signInRoutes,
    alertRoutes,
    alertUpdateRoutes,
    namedLocationRoutes,
    conditionalAccessPolicyRoutes,
    entra.routes,
    machineRoutes,
    machineActionRoutes(actions),
    postureRoutes,
  ])
    routes(deps);
  answerUnrouted(app, requestLog);

  await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 0 });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('the stand-in did not get a TCP address');
  const url = `https://${options.host ?? '127.0.0.1'}:${address.port}`;
  live.url = url;

  return {
    url,
    authorityHost: url,
    tokenUrl: `${url}/${seed.tenantId}/oauth2/v2.0/token`,
    tenantId: seed.tenantId,
    clientId: seed.app.clientId,
    clientSecret: seed.app.clientSecret,
    log: requestLog.entries,
    effects: effects.counts,
    effectLog: effects.log,
    effectCount: effects.countOf,
    requests: (name) => requestLog.entries.filter((entry) => entry.route === name),
    entra,
    get state() {
      return live.state;
    },
    snapshot() {
      const { state } = live;
      return {
        users: Object.fromEntries(state.users.map((u) => [u.userPrincipalName, { accountEnabled: u.accountEnabled }])),
        namedLocations: Object.fromEntries(
          state.namedLocations.map((l) => [l.id, l.ipRanges.map((r) => r.cidrAddress).sort()]),
        ),
        machines: Object.fromEntries(state.machines.map((m) => [m.computerDnsName, { isolated: Boolean(m.isolated) }])),
      };
    },
    inject: faults.inject,
    clearFaults: faults.clear,
    verifyToken: tokens.verify,
    holdMachineActions: actions.hold,
    releaseMachineActions: (outcome = 'Succeeded') => actions.release(outcome),
    reset() {
      actions.reset();
      live.state = structuredClone(seed);
      requestLog.entries.length = 0;
      effects.clear();
      faults.clear();
      pager.clear();
      entra.reset();
    },
    async stop() {
      actions.clearTimers();
      await app.close();
    },
  };
}
