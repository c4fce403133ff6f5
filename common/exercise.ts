import type { Alert } from './alert';

/**
 * Detection exercises and missed detections: the records recall is counted from. Pure (safe in workflow code): ids,
 * shapes and the rule that decides whether an alert belongs to an exercise.
 */

/** What an exercise looks for: an alert of `ruleId` carrying `marker`, or naming `user`/`host`, within the window. */
export interface ExercisePlan {
  ruleId: string;
  windowMs: number;
  /** Found in any text field of the alert (title, description, rule name, entities, ids), case-insensitively. */
  marker?: string;
  /** The user the emulation runs as (UPN or object id). */
  user?: string;
  /** The host the emulation runs on (a short name matches its FQDN). */
  host?: string;
  note?: string;
  /** Its alerts ask the user "was this you?" as a real alert would (still never contained; closed as the exercise's). */
  askUser?: boolean;
  /** Who started it (CLI user, schedule). */
  by?: string;
}

export interface ExerciseInput extends ExercisePlan {
  /** The schedule that started it, if any. */
  scheduleId?: string;
}

/** An exercise as the rule's registry holds it while its window is open. */
export interface OpenExercise {
  exerciseId: string;
  plan: ExercisePlan;
  startedAt: string;
  endsAt: string;
}

/** What a triage case learns when its alert is an exercise's. */
export interface ExerciseMatch {
  exerciseId: string;
  ruleId: string;
  startedAt: string;
  endsAt: string;
  /** True for the first alert that matched: the one that made the exercise `detected`. */
  first: boolean;
  /** The exercise tests the user question too: the case asks the user before it closes as the exercise's. */
  askUser?: boolean;
}

export interface ExerciseDetection {
  caseWorkflowId: string;
  at: string;
}

/** How an exercise ended; `detected` carries the first matching case. */
export interface ExerciseOutcome {
  outcome: 'detected' | 'missed';
  detectedBy?: ExerciseDetection;
}

/** The search-attribute values of an exercise (on `SocTriageState` and `SocDisposition`) and of its triage cases. */
export const exerciseStates = { running: 'exercising', closed: 'closed' } as const;
export const exerciseOutcomes = { pending: 'undetermined', detected: 'detected', missed: 'missed' } as const;
export const EXERCISE_ROUTE = 'exercise';

/** SIEM clocks and the operator's differ: an alert detected this long before the exercise started still counts. */
export const EXERCISE_CLOCK_TOLERANCE_MS = 5 * 60_000;
export const MIN_EXERCISE_WINDOW_MS = 60_000;
export const MAX_EXERCISE_WINDOW_MS = 7 * 86_400_000;

// Workflow ids hold rule ids (no personal data); encoded so that any rule id makes a valid, distinct id.
const part = (value: string) => encodeURIComponent(value);

/** One registry per rule and task queue: it serialises every match and every close of that rule's exercises. */
export const exerciseRegistryId = (taskQueue: string, ruleId: string) =>
  `soc-exercise-registry-${taskQueue}-${part(ruleId)}`;
export const exerciseWorkflowId = (ruleId: string, id: string) => `soc-exercise-${part(ruleId)}-${id}`;
export const exerciseScheduleId = (ruleId: string, plan: string) => `soc-exercise-plan-${part(ruleId)}-${plan}`;
export const missedDetectionWorkflowId = (id: string) => `soc-missed-${id}`;

const lower = (value: string | undefined) => value?.trim().toLowerCase() || undefined;
const shortHost = (host: string) => host.split('.')[0]!;

/** Every text an alert carries, for the marker. */
function alertTexts(alert: Alert): string[] {
  const e = alert.entities;
  return [
    alert.title,
    alert.description,
    alert.ruleName,
    alert.sourceAlertId,
    e.userPrincipalName,
    e.userObjectId,
    e.host,
    e.sourceIp,
  ].filter((t): t is string => typeof t === 'string');
}

function namesTarget(plan: ExercisePlan, alert: Alert): boolean {
  const user = lower(plan.user);
  const host = lower(plan.host);
  if (!user && !host) return false;
  const e = alert.entities;
  if (user && user !== lower(e.userPrincipalName) && user !== lower(e.userObjectId)) return false;
  if (host && (!e.host || shortHost(host) !== shortHost(lower(e.host)!))) return false;
  return true;
}

/**
 * Whether `alert` is the exercise's: same rule, detected within the window (less the clock tolerance), and either the
 * marker in one of its texts or every named target (user, host) equal to the alert's.
 */
export function alertMatchesExercise(exercise: Pick<OpenExercise, 'plan' | 'startedAt' | 'endsAt'>, alert: Alert) {
  const { plan } = exercise;
  if (alert.ruleId !== plan.ruleId) return false;
  const detected = Date.parse(alert.detectedAt);
  if (detected < Date.parse(exercise.startedAt) - EXERCISE_CLOCK_TOLERANCE_MS) return false;
  if (detected > Date.parse(exercise.endsAt)) return false;
  const marker = lower(plan.marker);
  if (marker && alertTexts(alert).some((text) => text.toLowerCase().includes(marker))) return true;
  return namesTarget(plan, alert);
}

/** What a plan needs to be matchable; the CLI and the workflow refuse the rest with this reason. */
export function planProblem(plan: ExercisePlan): string | undefined {
  if (!plan.ruleId?.trim()) return 'an exercise names its rule';
  if (
    !Number.isFinite(plan.windowMs) ||
    plan.windowMs < MIN_EXERCISE_WINDOW_MS ||
    plan.windowMs > MAX_EXERCISE_WINDOW_MS
  )
    return 'the window must be between 1m and 7d';
  if (!plan.marker?.trim() && !plan.user?.trim() && !plan.host?.trim())
    return 'an exercise needs a --marker, a --user or a --host to recognise its alert';
  return undefined;
}

// ---- missed detections --------------------------------------------------------------------------------------------

/** An incident found by other means that these rules should have caught: one false negative of each. */
export interface MissedDetection {
  id: string;
  rules: string[];
  /** When the incident happened. */
  at: string;
  note: string;
  by: string;
  /** The case it was found in, when recorded from one (the Teams SOC card). */
  caseWorkflowId?: string;
  recordedAt: string;
}
