import type { FastifyInstance } from 'fastify';
import type { Effects } from './effects';
import type { Faults } from './faults';
import type { GraphSeed } from './model';
import type { Pager } from './odata';
import type { RequestLog } from './request-log';
import type { Route } from './routing';
import type { Tokens } from './tokens';
import type { EntraSignIn } from '../entra/sign-in';

/** What the stand-in's resource modules share: each registers its routes with these (Fastify plugin style). */

/** The parts that change while the stand-in runs: `reset()` replaces the state, and the URL is known once listening. */
export interface Live {
  state: GraphSeed;
  url: string;
}

export interface StandInDeps {
  app: FastifyInstance;
  live: Live;
  route: Route;
  pager: Pager;
  effects: Effects;
  faults: Faults;
  requestLog: RequestLog;
  tokens: Tokens;
  /** Entra ID's authorization endpoint and code grant (step-up sign-ins). */
  entra: EntraSignIn;
}

export type StandInRoutes = (deps: StandInDeps) => void;
