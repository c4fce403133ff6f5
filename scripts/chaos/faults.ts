import type { Fault, GraphStandIn, RouteName } from '../../standins/graph';
import type { Random } from './random';

/** Routes that change the world (a fault after the effect leaves it applied but unanswered) and routes that read it. */
const effectRoutes: RouteName[] = [
  'updateUser',
  'revokeSignInSessions',
  'updateNamedLocation',
  'isolateMachine',
  'unisolateMachine',
];
const readRoutes: RouteName[] = [
  'getUser',
  'getNamedLocation',
  'listMachines',
  'listMachineActions',
  'getMachineAction',
];

export interface FaultInjector {
  injected: Record<string, number>;
  stop(): void;
}

/** Injects one Graph fault at a time, `perSecond` on average: 429 with Retry-After, 503 before or after the effect. */
export function startFaultInjection(standIn: GraphStandIn, perSecond: number, random: Random): FaultInjector {
  const injected: Record<string, number> = {};
  let timer: NodeJS.Timeout | undefined;
  const injectOne = () => {
    const onEffect = random.chance(0.6);
    const route = onEffect
      ? effectRoutes[Math.floor(random.next() * effectRoutes.length)]!
      : readRoutes[Math.floor(random.next() * readRoutes.length)]!;
    const choices: [[string, Fault], number][] = [
      [['429', { kind: 'error', status: 429, retryAfterSeconds: Math.ceil(random.between(0, 3)), times: 1 }], 2],
      [['503', { kind: 'error', status: 503, times: 1 }], 2],
    ];
    if (onEffect) choices.push([['503-after-effect', { kind: 'error', status: 503, afterEffect: true, times: 1 }], 3]);
    const [name, fault] = random.pick(choices);
    standIn.inject(route, fault);
    injected[name] = (injected[name] ?? 0) + 1;
  };
  const schedule = () => {
    timer = setTimeout(
      () => {
        injectOne();
        schedule();
      },
      random.between(0.5, 1.5) * (1000 / perSecond),
    );
  };
  if (perSecond > 0) schedule();
  return {
    injected,
    stop() {
      clearTimeout(timer);
      standIn.clearFaults();
    },
  };
}
