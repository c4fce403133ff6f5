import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { parseAlert, triageWorkflowId, type Alert } from '../../common/alert';
import { parsePolicy, type ContainmentAction, type RulePolicy } from '../../common/policy';
import { loadRuleCatalog, type RuleCatalog } from '../../common/rules';
import type { AnalystDecisionKind, UserAnswer } from '../../common/triage';
import { BLOCKED_IPS_LOCATION_ID, graphDemoSeed, newMachineAction, type GraphSeed } from '../../standins/graph';
import { projectRoot } from '../servers';
import type { ChaosOptions } from './options';
import { seededRandom, type Random } from './random';

/**
 * What a run does, decided up front from its seed: one alert per planned case, each with its own user, host and IP in
 * the stand-in's directory, so every effect the stand-in counts belongs to exactly one case.
 */

/** The rules of `rules/catalog.yaml` the run draws from, with how often: auto-contain, confirm-with-user, analyst. */
const ruleMix = [
  ['leaked-credentials', 15],
  ['ransomware-behaviour', 20],
  ['impossible-travel', 20],
  ['mfa-fatigue', 15],
  ['suspicious-inbox-forwarding', 10],
  ['password-spray-source', 10],
  ['privileged-role-assignment', 10],
] as const;

export interface PlannedEntities {
  upn: string;
  userId: string;
  host: string;
  ip: string;
}

export interface PlannedCase {
  index: number;
  alert: Alert;
  workflowId: string;
  /** The rule's policy as the catalog defines it (the run shortens its timeouts per alert). */
  catalogPolicy: RulePolicy;
  entities: PlannedEntities;
  /** The account already disabled, the host already isolated (by someone else), the IP already blocked. */
  preContained: boolean;
  /** Confirm-with-user: what the user answers, and when (share of the time to the deadline). */
  answer?: { answer: UserAnswer; atShare: number };
  /** An analyst's decision once the case has escalated (after containment, for the contained ones). */
  decision?: AnalystDecisionKind;
  redeliver: boolean;
}

export const CHAOS_ANALYST = 'aaaaaaaa-0000-4000-8000-0000000000c5';

export function loadChaosCatalog(): RuleCatalog {
  return loadRuleCatalog(join(projectRoot, 'rules', 'catalog.yaml'));
}

/** Would this case's rule contain on its own (auto-contain, or "it was not me" on a rule that contains on denial)? */
export function containsWithoutAnalyst(policy: RulePolicy, answer?: UserAnswer): boolean {
  return (
    policy.containmentActions.length > 0 &&
    (policy.mode === 'auto-contain' ||
      (policy.mode === 'confirm-with-user' && answer === 'it-was-not-me' && policy.containOnUserDenial))
  );
}

function planCase(
  index: number,
  run: string,
  catalog: RuleCatalog,
  random: Random,
  options: ChaosOptions,
): PlannedCase {
  const ruleId = random.pick(ruleMix);
  const rule = catalog.ruleFor(ruleId);
  const entities: PlannedEntities = {
    upn: `chaos-u${index}@contoso.example`,
    userId: randomUUID(),
    host: `chaos-h${index}.contoso.example`,
    ip: `198.18.${index >> 8}.${index & 255}`,
  };
  const alert = parseAlert({
    source: 'generic',
    sourceInstance: run,
    sourceAlertId: `chaos-${index}`,
    ruleId,
    ruleName: rule.name ?? ruleId,
    severity: 'high',
    detectedAt: new Date().toISOString(),
    title: `${rule.name ?? ruleId} (crash-loop benchmark)`,
    entities: {
      userPrincipalName: entities.upn,
      userObjectId: entities.userId,
      host: entities.host,
      sourceIp: entities.ip,
    },
  });
  const answer =
    rule.policy.mode === 'confirm-with-user'
      ? random.pick<UserAnswer | undefined>([
          ['it-was-me', 35],
          ['it-was-not-me', 35],
          [undefined, 30],
        ])
      : undefined;
  const contains = containsWithoutAnalyst(rule.policy, answer);
  const decision: AnalystDecisionKind | undefined = contains
    ? random.chance(options.falsePositiveShare)
      ? 'close-false-positive'
      : undefined
    : rule.policy.mode === 'analyst' && random.chance(0.5)
      ? random.pick<AnalystDecisionKind>([
          ['close-benign', 1],
          ['close-true-positive', 1],
        ])
      : undefined;
  return {
    index,
    alert,
    workflowId: triageWorkflowId(alert),
    catalogPolicy: rule.policy,
    entities,
    preContained: random.chance(options.preContainedShare),
    answer: answer ? { answer, atShare: random.between(0.05, 0.6) } : undefined,
    decision,
    redeliver: random.chance(options.redeliveryShare),
  };
}

export interface ChaosPlan {
  run: string;
  cases: PlannedCase[];
  seed: GraphSeed;
  /** The policy a new alert runs under: the catalog's, with the run's short timeouts (jittered per alert). */
  policyFor(ruleId: string): RulePolicy;
}

export function planRun(options: ChaosOptions, catalog = loadChaosCatalog()): ChaosPlan {
  const random = seededRandom(options.seed);
  const run = `chaos-${options.seed}-${Date.now().toString(36)}`;
  const cases = Array.from({ length: options.alerts }, (_, i) => planCase(i, run, catalog, random, options));
  const jitter = seededRandom(options.seed + 1);
  return {
    run,
    cases,
    seed: chaosSeed(cases),
    policyFor(ruleId) {
      const policy = catalog.policyFor(ruleId);
      const confirmationTimeoutMs = Math.round(
        (options.confirmationSeconds + jitter.next() * options.confirmationJitterSeconds) * 1000,
      );
      return parsePolicy({
        ...policy,
        confirmationTimeoutMs,
        reminderBeforeDeadlineMs: policy.reminderBeforeDeadlineMs > 0 ? Math.round(confirmationTimeoutMs / 3) : 0,
        analystDecisionTimeoutMs: options.analystDecisionSeconds * 1000,
        // The crash loop answers through the signal as the bot's step-up page would after a sign-in it cannot play.
        stepUp: false,
      });
    },
  };
}

/** The demo tenant plus one user, machine and IP per planned case; pre-contained ones start contained. */
function chaosSeed(cases: PlannedCase[]): GraphSeed {
  const seed = graphDemoSeed();
  const template = seed.users.find((u) => u.userPrincipalName.startsWith('jdoe@'))!;
  const machineTemplate = seed.machines[0]!;
  const location = seed.namedLocations.find((l) => l.id === BLOCKED_IPS_LOCATION_ID)!;
  for (const { index, entities, preContained } of cases) {
    seed.users.push({
      ...template,
      id: entities.userId,
      userPrincipalName: entities.upn,
      mail: entities.upn,
      displayName: `Chaos User ${index}`,
      accountEnabled: !preContained,
      managerId: template.managerId,
      memberOf: [],
      registeredDeviceIds: [],
      ownedDeviceIds: [],
    });
    const machineId = `chaos-machine-${index}`;
    seed.machines.push({ ...machineTemplate, id: machineId, computerDnsName: entities.host, isolated: preContained });
    if (preContained) {
      seed.machineActions.push(
        newMachineAction({
          type: 'Isolate',
          requestor: 'someone-else@contoso.example',
          requestorComment: 'isolated before the alert',
          machineId,
          computerDnsName: entities.host,
          status: 'Succeeded',
        }),
      );
      location.ipRanges.push({ '@odata.type': '#microsoft.graph.iPv4CidrRange', cidrAddress: `${entities.ip}/32` });
    }
  }
  return seed;
}

/** The effect the stand-in counts when an action is applied, and when it is undone. */
export const effectNames: Record<ContainmentAction, { apply: string; undo: string[] }> = {
  'disable-account': { apply: 'disable-account', undo: ['enable-account'] },
  'revoke-sessions': { apply: 'revoke-sessions', undo: [] },
  'isolate-host': { apply: 'isolate-host', undo: ['release-host', 'cancel-isolate'] },
  'block-ip': { apply: 'block-ip', undo: ['unblock-ip'] },
};

/** The stand-in entity an action is aimed at. */
export function entityOf(action: ContainmentAction, entities: PlannedEntities): string {
  return action === 'isolate-host' ? entities.host : action === 'block-ip' ? entities.ip : entities.upn;
}
