import type { FastifyRequest } from 'fastify';
import { defaultErrors, errorResult, type Resource, type Result } from './responses';
import type { RouteName } from './routes';

/** Faults injected per route: errors, latency and hangs, before the work or after its effect. */

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

export interface Faults {
  inject(route: RouteName, fault: Fault): void;
  clear(): void;
  /** The next fault of the kind `when` asks for, counting down its `times`. */
  take(route: RouteName, when: 'before' | 'after-effect' | 'latency'): Fault | undefined;
}

export function createFaults(): Faults {
  const faults = new Map<RouteName, Fault[]>();
  return {
    inject(name, fault) {
      const list = faults.get(name) ?? [];
      list.push({ ...fault });
      faults.set(name, list);
    },
    clear: () => faults.clear(),
    take(route, when) {
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
    },
  };
}

export function faultResult(resource: Resource, fault: Extract<Fault, { kind: 'error' }>, req: FastifyRequest): Result {
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

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
