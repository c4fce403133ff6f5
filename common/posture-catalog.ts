import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { severities } from './alert';
import { bool, duration, required } from './rules';
import { postureChecks, postureModes, type PostureRoutine } from './posture';

/** The posture catalog (`rules/posture.yaml`): which routines run, when, how boldly, with what parameters. */

export class PostureCatalogError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(problems.map((p) => `${source}: ${p}`).join('\n'));
    this.name = 'PostureCatalogError';
  }
}

const MINUTE = 60_000;
const DAY = 86_400_000;
const listOf = (values: readonly string[]) => values.join(', ');
/** Five-field cron (minute hour day-of-month month day-of-week), as Temporal Schedules accept it. */
const CRON = /^\s*(\S+\s+){4}\S+\s*$/;

const scheduleSchema = z.union(
  [
    z.strictObject({ every: duration(MINUTE, 30 * DAY, '1h') }).transform(({ every }) => ({ everyMs: every })),
    z.strictObject({
      cron: z.string().regex(CRON, 'must be a five-field cron expression like "0 6 * * *"'),
    }),
  ],
  { error: 'must be { every: <duration like 1h> } or { cron: "<five-field cron like 0 6 * * *>" }' },
);

const base = {
  name: z.string({ error: 'must be text' }).min(1, 'must not be empty').optional(),
  schedule: scheduleSchema,
  mode: z.enum(postureModes, { error: required(`must be one of ${listOf(postureModes)}`) }),
  dryRun: bool.default(false),
  recheckEvery: duration(MINUTE, 30 * DAY, '1d').default(DAY),
};

/** Checks about this product's own containment ask nobody: `ask-then-act` is refused by name. */
const unaskedMode = z.enum(['report', 'act'], {
  error: required('must be report or act (this check asks nobody, so ask-then-act does not apply)'),
});

const caseLimit = (fallback: number) =>
  z
    .number({ error: 'must be a whole number from 1 to 5000' })
    .int('must be a whole number from 1 to 5000')
    .min(1, 'must be a whole number from 1 to 5000')
    .max(5000, 'must be a whole number from 1 to 5000')
    .default(fallback);

const paramsError = { error: "must be a mapping of the check's parameters" };

const routineSchema = z.discriminatedUnion(
  'check',
  [
    z.strictObject({
      ...base,
      check: z.literal('stale-guests'),
      parameters: z
        .strictObject(
          {
            inactiveFor: duration(DAY, 3650 * DAY, '90d').default(90 * DAY),
            answerWithin: duration(MINUTE, 30 * DAY, '3d').default(3 * DAY),
            snoozeFor: duration(MINUTE, 365 * DAY, '30d').default(30 * DAY),
            undoWindow: duration(0, 365 * DAY, '30d').default(30 * DAY),
          },
          paramsError,
        )
        .prefault({}),
    }),
    z.strictObject({
      ...base,
      check: z.literal('privileged-without-mfa'),
      parameters: z
        .strictObject(
          {
            roleDefinitionIds: z
              .array(z.string().regex(/^[0-9a-f-]{36}$/i, 'must be a role definition id (a GUID)'), {
                error: 'must be a list of role definition ids',
              })
              .min(1, 'must name at least one role definition id')
              .default(['62e90394-69f5-4237-9190-012177145e10']),
            registerWithin: duration(MINUTE, 30 * DAY, '2d').default(2 * DAY),
            revokeSessions: bool.default(false),
          },
          paramsError,
        )
        .prefault({}),
    }),
    z.strictObject({
      ...base,
      check: z.literal('risky-users-without-case'),
      parameters: z
        .strictObject(
          {
            ruleId: z.string().min(1, 'must not be empty').default('posture-risky-user'),
            severity: z.enum(severities, { error: `must be one of ${listOf(severities)}` }).default('high'),
          },
          paramsError,
        )
        .prefault({}),
    }),
    z.strictObject({
      ...base,
      mode: unaskedMode,
      check: z.literal('containment-drift'),
      parameters: z.strictObject({ maxCases: caseLimit(500) }, paramsError).prefault({}),
    }),
    z.strictObject({
      ...base,
      mode: unaskedMode,
      check: z.literal('expired-ip-blocks'),
      parameters: z
        .strictObject(
          {
            closedFor: duration(MINUTE, 3650 * DAY, '30d').default(30 * DAY),
            maxCases: caseLimit(1000),
          },
          paramsError,
        )
        .prefault({}),
    }),
  ],
  { error: `must be one of ${listOf(postureChecks)}` },
);

const catalogSchema = z.strictObject(
  {
    routines: z.record(
      z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'routine ids must be lower-case letters, digits and dashes'),
      routineSchema,
      { error: required('must be a mapping from routine id to routine') },
    ),
  },
  { error: 'must be a YAML mapping with a "routines" key' },
);

function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.map((key) => (typeof key === 'number' ? `[${key}]` : String(key)));
  const inRoutine = path[0] === 'routines' && path.length >= 2;
  const where = inRoutine ? `routine "${path[1]}": ` : '';
  const field = (inRoutine ? path.slice(2) : path).join('.').replace(/\.\[/g, '[');
  const what =
    issue.code === 'unrecognized_keys'
      ? `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`
      : issue.message;
  return `${where}${field ? `${field}: ` : ''}${what}`;
}

/** Parses and validates posture catalog YAML; `source` names the file in error messages. */
export function parsePostureCatalog(text: string, source: string): PostureRoutine[] {
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new PostureCatalogError(
      source,
      document.errors.map((e) => {
        const message = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
        return `${e.linePos ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}: ` : ''}${message}`;
      }),
    );
  }
  const parsed = catalogSchema.safeParse(document.toJS() ?? {});
  if (!parsed.success) throw new PostureCatalogError(source, parsed.error.issues.map(describeIssue));
  return Object.entries(parsed.data.routines).map(([id, r]): PostureRoutine => {
    const common = {
      id,
      name: r.name ?? id,
      schedule: r.schedule,
      mode: r.mode,
      dryRun: r.dryRun,
      recheckEveryMs: r.recheckEvery,
    };
    switch (r.check) {
      case 'stale-guests':
        return {
          ...common,
          check: r.check,
          parameters: {
            inactiveForMs: r.parameters.inactiveFor,
            answerWithinMs: r.parameters.answerWithin,
            snoozeForMs: r.parameters.snoozeFor,
            undoWindowMs: r.parameters.undoWindow,
          },
        };
      case 'privileged-without-mfa':
        return {
          ...common,
          check: r.check,
          parameters: {
            roleDefinitionIds: r.parameters.roleDefinitionIds,
            registerWithinMs: r.parameters.registerWithin,
            revokeSessions: r.parameters.revokeSessions,
          },
        };
      case 'risky-users-without-case':
        return { ...common, check: r.check, parameters: r.parameters };
      case 'containment-drift':
        return { ...common, check: r.check, parameters: r.parameters };
      case 'expired-ip-blocks':
        return {
          ...common,
          check: r.check,
          parameters: { closedForMs: r.parameters.closedFor, maxCases: r.parameters.maxCases },
        };
    }
  });
}

/** Reads and validates the posture catalog at `path` (named as given in errors). */
export function loadPostureCatalog(path: string): PostureRoutine[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new PostureCatalogError(path, [
      `cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)}); set SOC_POSTURE_FILE to the posture catalog`,
    ]);
  }
  return parsePostureCatalog(text, path);
}
