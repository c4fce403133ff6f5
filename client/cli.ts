/**
 * `npm run soc -- <command>`: the analyst's command line. Talks to TEMPORAL_ADDRESS, or to the embedded dev server that
 * `npm start` runs on localhost. Each command loads only the modules it needs: start-up is most of a call's time.
 */
import { parseArgs } from 'node:util';
import type { Client } from '@temporalio/client';
import type { RuleCatalog } from '../common/rules';
import { CliUsageError, exitCodeFor, exitCodes } from './cli-errors';
import type { CliTemporal } from './cli-connect';
import { DEFAULT_LIST_LIMIT } from './cli-list';
import { metricsUsage } from './metrics/usage';
import { postureUsage } from './cli-posture';
import { triageStates } from '../common/triage';

const usage = `Usage: npm run soc -- <command>

  demo-alert [--ransomware]                       send a sample alert (demo tenant)
  submit <alert.json>                             start triage for an alert in the generic model
  list [--state <state>] [--rule <id>] [--limit N]
                                                  cases, newest first (${DEFAULT_LIST_LIMIT} by default); states:
                                                  ${triageStates.join(', ')}
  show <workflowId>                               the case so far
  answer <workflowId> --as <user> --yes|--no      answer "was this you?" as the affected user
  decide <workflowId> --as <analyst> <decision>   contain | close-true-positive | close-benign |
                                                  close-false-positive | release-containment
  missed --rule <id>… --at <time> --note <text>   record an incident the rule(s) should have caught
  exercise start --rule <id> --window 30m [--marker M] [--user U] [--host H]
                                                  a detection test of the rule is run now
  exercise schedule --rule <id> --every 7d --window 30m …   the same, as a Temporal Schedule
  exercise list [--rule <id>]                     exercises and their outcomes (detected, missed)

${postureUsage}

${metricsUsage.replace(/^(Usage: | {7})soc /gm, '  ')}

Times are shown in your time zone (set TZ to choose another).
Exit status: 0 done, 1 refused or failed (closed or unknown case, refused answer or decision),
2 usage error (command, option or configuration value), 3 Temporal unreachable.

With SOC_DEMO_TEAMS=1 npm start, the Teams stand-in's cards: npm run demo -- teams-cards | teams-click …`;

const options = {
  as: { type: 'string' },
  yes: { type: 'boolean' },
  no: { type: 'boolean' },
  ransomware: { type: 'boolean' },
  state: { type: 'string' },
  rule: { type: 'string' },
  limit: { type: 'string' },
  note: { type: 'string' },
} as const;

function parse(args: string[]) {
  try {
    return parseArgs({ args, allowPositionals: true, strict: true, options });
  } catch (err) {
    throw new CliUsageError(`${(err as Error).message}\n\n${usage}`);
  }
}

/** The catalog's rule names, where the catalog can be read: a name is a nicety and never fails a command. */
async function catalogForNames(rulesFile: string): Promise<RuleCatalog | undefined> {
  const { loadRuleCatalog } = await import('../common/rules');
  try {
    return loadRuleCatalog(rulesFile);
  } catch {
    return undefined;
  }
}

async function ruleNamerFor(temporal: CliTemporal) {
  const { ruleNamer } = await import('./metrics/rule-names');
  return ruleNamer(temporal.client, await catalogForNames(temporal.rulesFile));
}

const commands = new Set([
  'demo-alert',
  'submit',
  'list',
  'show',
  'answer',
  'decide',
  'metrics',
  'report',
  'missed',
  'exercise',
  'posture',
]);

async function runCommand(command: string, rest: string[], temporal: CliTemporal): Promise<string | undefined> {
  const client: Client = temporal.client;
  if (command === 'metrics' || command === 'report') {
    const { runMetricsCommand, runReportCommand } = await import('./metrics');
    const io = { out: (text: string) => void process.stdout.write(text), ruleNames: await ruleNamerFor(temporal) };
    await (command === 'metrics' ? runMetricsCommand(rest, client, io) : runReportCommand(rest, client, io));
    return undefined;
  }
  if (command === 'missed') return (await import('./cli-missed')).missedCommand(rest, temporal);
  if (command === 'exercise') return (await import('./cli-exercise')).exerciseCommand(rest, temporal);
  if (command === 'posture') return (await import('./cli-posture')).runPostureCommand(rest, temporal);
  const { values, positionals } = parse(rest);
  switch (command) {
    case 'demo-alert':
    case 'submit': {
      const { alertInFile, demoAlert, submit } = await import('./cli-submit');
      return submit(
        temporal,
        command === 'demo-alert' ? demoAlert(Boolean(values.ransomware)) : alertInFile(positionals[0]),
      );
    }
    case 'list': {
      const { listCommand, parseListFilters } = await import('./cli-list');
      return listCommand(client, parseListFilters(values), await ruleNamerFor(temporal));
    }
    case 'show': {
      const { caseIdOf, showCase } = await import('./cli-case');
      return showCase(client, caseIdOf(positionals, 'show <workflowId>'));
    }
    case 'answer':
      return (await import('./cli-case')).answerCase(client, positionals, values);
    default:
      return (await import('./cli-case')).decideCase(client, positionals, values);
  }
}

/** Checks what can be checked before connecting, so a usage error costs no round trip and needs no server. */
async function preflight(command: string, rest: string[]): Promise<void> {
  if (command === 'metrics' || command === 'report' || command === 'posture') return;
  if (command === 'missed') return void (await import('./cli-missed')).parseMissed(rest);
  if (command === 'exercise') return void (await import('./cli-exercise')).parseExercise(rest);
  const { values, positionals } = parse(rest);
  if (command === 'list') (await import('./cli-list')).parseListFilters(values);
  if (command === 'show') (await import('./cli-case')).caseIdOf(positionals, 'show <workflowId>');
}

async function run(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') return console.log(usage);
  if (!commands.has(command)) throw new CliUsageError(`unknown command "${command}"\n\n${usage}`);
  await preflight(command, rest);
  const { connect } = await import('./cli-connect');
  const temporal = await connect();
  try {
    const text = await runCommand(command, rest, temporal);
    if (text !== undefined) console.log(text);
  } finally {
    await temporal.close();
  }
}

run(process.argv.slice(2)).then(
  () => {
    process.exitCode = exitCodes.ok;
  },
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(exitCodeFor(err));
  },
);
