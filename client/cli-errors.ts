/** What the CLI's exit status means; the usage text and the README list the same codes. */
export const exitCodes = {
  ok: 0,
  /** Refused by the case, not found, closed, or failed. */
  failed: 1,
  /** A wrong command, option or configuration value: nothing was sent. */
  usage: 2,
  /** Temporal could not be reached. */
  unreachable: 3,
} as const;

/** The command line was wrong; the message says how to call it. */
export class CliUsageError extends Error {
  override name = 'CliUsageError';
}

export class TemporalUnreachableError extends Error {
  override name = 'TemporalUnreachableError';
}

/** A case the command was refused on (not found, closed): a message for the analyst, exit 1. */
export class CaseRefusedError extends Error {
  override name = 'CaseRefusedError';
}

/** gRPC UNAVAILABLE / DEADLINE_EXCEEDED: the server went away (or never answered) during the command. */
const unreachableGrpcCodes = new Set([4, 14]);

function grpcCode(err: unknown): number | undefined {
  const cause = (err as { cause?: { code?: unknown } })?.cause;
  const code = (err as { code?: unknown })?.code ?? cause?.code;
  return typeof code === 'number' ? code : undefined;
}

// Matched by name so that the light commands need not load the modules that define these errors.
const usageErrorNames = new Set(['CliUsageError', 'UsageError', 'ConfigError', 'RuleCatalogError']);

export function exitCodeFor(err: unknown): number {
  if (err instanceof TemporalUnreachableError) return exitCodes.unreachable;
  if (err instanceof Error && usageErrorNames.has(err.name)) return exitCodes.usage;
  if (String((err as { code?: unknown })?.code ?? '').startsWith('ERR_PARSE_ARGS')) return exitCodes.usage;
  const code = grpcCode(err);
  if (code !== undefined && unreachableGrpcCodes.has(code)) return exitCodes.unreachable;
  return exitCodes.failed;
}
