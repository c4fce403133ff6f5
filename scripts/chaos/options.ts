import { z } from 'zod';

/** Settings of one crash-loop run; every one is a CLI flag (`--alerts 50`) or an environment variable (`CHAOS_ALERTS=50`). */
export const chaosOptionsSchema = z
  .object({
    alerts: z.coerce.number().int().min(1).default(200),
    alertsPerSecond: z.coerce.number().positive().default(2),
    seed: z.coerce
      .number()
      .int()
      .default(() => Date.now() % 1_000_000),
    workers: z.coerce.number().int().min(1).default(2),
    /** Each worker process is SIGKILLed after a random 3–8 s of life and started again. */
    killMinSeconds: z.coerce.number().positive().default(3),
    killMaxSeconds: z.coerce.number().positive().default(8),
    /** SIGKILL the Temporal server once, when this share of the alerts has been delivered. */
    serverKill: z.stringbool().default(true),
    serverKillAt: z.coerce.number().min(0).max(1).default(0.5),
    serverDowntimeSeconds: z.coerce.number().min(0).default(2),
    /** Graph faults (429 with Retry-After, 503 before or after the effect) injected per second of chaos. */
    faultsPerSecond: z.coerce.number().min(0).default(1),
    /** The question's deadline: this plus a random jitter up to `confirmationJitterSeconds` (the policy's minimum is 60 s). */
    confirmationSeconds: z.coerce.number().int().min(60).default(60),
    confirmationJitterSeconds: z.coerce.number().int().min(0).default(30),
    analystDecisionSeconds: z.coerce.number().int().min(60).default(60),
    /** Shares of the plan. */
    preContainedShare: z.coerce.number().min(0).max(1).default(0.15),
    falsePositiveShare: z.coerce.number().min(0).max(1).default(0.5),
    redeliveryShare: z.coerce.number().min(0).max(1).default(0.1),
    /** After the chaos stops: how long to wait for every case to settle. */
    settleSeconds: z.coerce.number().int().min(10).default(180),
    /** A question still open this long after its deadline counts as open past its deadline. */
    graceSeconds: z.coerce.number().int().min(0).default(60),
    /** Exit non-zero when an invariant is violated. */
    strict: z.stringbool().default(false),
  })
  .strict()
  .refine((o) => o.killMaxSeconds >= o.killMinSeconds, { message: 'killMaxSeconds must be ≥ killMinSeconds' });

export type ChaosOptions = z.output<typeof chaosOptionsSchema>;
export type ChaosOptionsInput = z.input<typeof chaosOptionsSchema>;

const camel = (flag: string) => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
const envName = (key: string) => `CHAOS_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;

/** `--alerts 50 --no-server-kill --strict` and CHAOS_* variables (flags win); throws naming a bad setting. */
export function parseChaosOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): ChaosOptions {
  const raw: Record<string, string> = {};
  for (const key of Object.keys(chaosOptionsSchema.shape)) {
    const value = env[envName(key)];
    if (value !== undefined) raw[key] = value;
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const match = /^--(no-)?([a-z][a-z-]*)(?:=(.*))?$/.exec(arg);
    if (!match) throw new Error(`unexpected argument "${arg}"`);
    const [, negated, flag, inline] = match;
    const key = camel(flag!);
    if (negated) raw[key] = 'false';
    else if (inline !== undefined) raw[key] = inline;
    else if (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('--')) raw[key] = argv[++i]!;
    else raw[key] = 'true';
  }
  const parsed = chaosOptionsSchema.safeParse(raw);
  if (!parsed.success) {
    throw new Error(parsed.error.issues.map((i) => `${i.path.join('.') || 'options'}: ${i.message}`).join('\n'));
  }
  return parsed.data;
}
