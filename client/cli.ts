/**
 * `npm run soc -- <command>`: the analyst's command line. Talks to TEMPORAL_ADDRESS, or to the embedded dev server that
 * `npm start` runs on localhost.
 */
import { Client, Connection } from '@temporalio/client';
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { parseAlert, type Alert } from '../common/alert';
import { ConfigError, connectionOptions, loadTemporalConfig, loadTriageConfig } from '../common/config';
import { analystChoices, type AnalystDecisionKind, type CaseState } from '../common/triage';
import { renderCase } from '../common/case-details';
import { caseStateQuery } from '../common/messages/triage';
import { loadRuleCatalog, RuleCatalogError } from '../common/rules';
import { DEMO_ANALYST } from '../common/demo';
import { createPromotionAwareCatalog } from './fidelity';
import { metricsUsage, runMetricsCommand, runReportCommand, UsageError } from './metrics';
import { sendAnswer, sendDecision, submitAlert, type SendOutcome } from './triage-client';
import { triageCasesClause, visibilityString } from '../common/visibility';

const usage = `Usage: npm run soc -- <command>

  demo-alert [--ransomware]                       send a sample alert (demo tenant)
  submit <alert.json>                             start triage for an alert in the generic model
  list [--state <triage state>] [--rule <id>]     cases, newest first
  show <workflowId>                               the case so far
  answer <workflowId> --as <user> --yes|--no      answer "was this you?" as the affected user
  decide <workflowId> --as <analyst> <decision>   contain | close-true-positive | close-benign |
                                                  close-false-positive | release-containment

${metricsUsage}

With SOC_DEMO_TEAMS=1 npm start, the Teams stand-in's cards: npm run demo -- teams-cards | teams-click …`;

const decisions: readonly AnalystDecisionKind[] = analystChoices;

async function connect(): Promise<{
  client: Client;
  taskQueue: string;
  analysts: string[];
  rulesFile: string;
  close(): Promise<void>;
}> {
  const config = loadTemporalConfig();
  const triage = loadTriageConfig();
  const address = config.address ?? `localhost:${config.devServerPort}`;
  const connection = await Connection.connect(connectionOptions(config, address)).catch((err: Error) => {
    throw new Error(
      `cannot reach Temporal at ${address} (${err.message}); is \`npm start\` running, or TEMPORAL_ADDRESS set?`,
    );
  });
  return {
    client: new Client({ connection, namespace: config.namespace }),
    taskQueue: config.taskQueue,
    analysts: triage.analysts.length ? triage.analysts : [DEMO_ANALYST],
    rulesFile: triage.rulesFile,
    close: () => connection.close(),
  };
}

function demoAlert(ransomware: boolean): Alert {
  return parseAlert(
    ransomware
      ? {
          source: 'generic',
          sourceInstance: 'demo',
          sourceAlertId: randomUUID(),
          ruleId: 'ransomware-behaviour',
          ruleName: 'Ransomware behaviour',
          severity: 'critical',
          detectedAt: new Date().toISOString(),
          title: 'Mass file encryption on laptop-jdoe',
          description: 'A process renamed 1,200 files with a .locked extension in two minutes.',
          entities: {
            userPrincipalName: 'jdoe@contoso.example',
            host: 'laptop-jdoe.contoso.example',
            sourceIp: '203.0.113.50',
          },
        }
      : {
          source: 'generic',
          sourceInstance: 'demo',
          sourceAlertId: randomUUID(),
          ruleId: 'impossible-travel',
          ruleName: 'Impossible travel',
          severity: 'high',
          detectedAt: new Date().toISOString(),
          title: 'Sign-in from Lagos an hour after Seattle',
          description: 'Successful sign-ins from Seattle, US and Lagos, NG 55 minutes apart.',
          entities: { userPrincipalName: 'jdoe@contoso.example', sourceIp: '203.0.113.50' },
        },
  );
}

/**
 * `applied`, `accepted` (queued), `pending` (recorded by Temporal; takes effect when the workers are back) or
 * `refused: <reason>`; a refusal, or a case that is closed or does not exist, exits non-zero.
 */
function report(outcome: SendOutcome): void {
  if (outcome.status === 'refused' || outcome.status === 'closed' || outcome.status === 'not-found') {
    console.error(`refused: ${outcome.reason ?? outcome.status}`);
    process.exitCode = 1;
    return;
  }
  if (outcome.status === 'pending')
    console.log('pending: recorded by Temporal; takes effect when the triage workers are back');
  else console.log(outcome.result ? `${outcome.status}: ${outcome.result}` : outcome.status);
}

async function run(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === 'metrics' || command === 'report') {
    const temporal = await connect();
    try {
      await (command === 'metrics'
        ? runMetricsCommand(rest, temporal.client)
        : runReportCommand(rest, temporal.client));
      return;
    } finally {
      await temporal.close();
    }
  }
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      as: { type: 'string' },
      yes: { type: 'boolean' },
      no: { type: 'boolean' },
      ransomware: { type: 'boolean' },
      state: { type: 'string' },
      rule: { type: 'string' },
      note: { type: 'string' },
    },
  });
  if (!command || command === 'help' || command === '--help') return console.log(usage);

  const temporal = await connect();
  try {
    const { client } = temporal;
    switch (command) {
      case 'demo-alert':
      case 'submit': {
        const alert =
          command === 'demo-alert'
            ? demoAlert(Boolean(values.ransomware))
            : parseAlert(JSON.parse(readFileSync(positionals[0] ?? '', 'utf8')));
        const rules = await createPromotionAwareCatalog(client, loadRuleCatalog(temporal.rulesFile), { refreshMs: 0 });
        const result = await submitAlert(client, {
          alert,
          policy: rules.policyFor(alert.ruleId),
          analysts: temporal.analysts,
          taskQueue: temporal.taskQueue,
        });
        console.log(`${result.outcome}: ${result.workflowId}`);
        return;
      }
      case 'list': {
        const filters = [triageCasesClause];
        if (values.state) filters.push(`SocTriageState = ${visibilityString(values.state)}`);
        if (values.rule) filters.push(`SocRuleId = ${visibilityString(values.rule)}`);
        let shown = 0;
        for await (const wf of client.workflow.list({ query: filters.join(' AND ') })) {
          const sa = wf.typedSearchAttributes;
          const get = (name: string) => sa.getAll().find((p) => p.key.name === name)?.value;
          console.log(
            `${wf.startTime.toISOString()}  ${String(get('SocTriageState') ?? '').padEnd(16)} ${String(get('SocDisposition') ?? '').padEnd(16)} ${String(get('SocRuleId') ?? '').padEnd(24)} ${wf.workflowId}`,
          );
          if (++shown >= 50) break;
        }
        if (shown === 0) console.log('no cases');
        return;
      }
      case 'show': {
        const state = await client.workflow.getHandle(positionals[0] ?? '').query(caseStateQuery);
        console.log(renderCase(state as CaseState).replace(/\*\*/g, ''));
        return;
      }
      case 'answer': {
        if (!values.as || values.yes === values.no)
          throw new Error('answer needs --as <user> and exactly one of --yes or --no');
        const answer = values.yes ? 'it-was-me' : 'it-was-not-me';
        return report(
          await sendAnswer(client, positionals[0] ?? '', { userId: values.as, answer }, { requestId: randomUUID() }),
        );
      }
      case 'decide': {
        const decision = positionals[1] as AnalystDecisionKind;
        if (!values.as || !decisions.includes(decision))
          throw new Error(`decide needs --as <analyst> and one of: ${decisions.join(', ')}`);
        return report(
          await sendDecision(
            client,
            positionals[0] ?? '',
            { analystId: values.as, decision, note: values.note },
            { requestId: randomUUID() },
          ),
        );
      }
      default:
        throw new Error(`unknown command "${command}"\n\n${usage}`);
    }
  } finally {
    await temporal.close();
  }
}

run(process.argv.slice(2)).catch((err) => {
  if (
    err instanceof ConfigError ||
    err instanceof RuleCatalogError ||
    err instanceof UsageError ||
    err instanceof Error
  )
    console.error(err.message);
  else console.error(err);
  process.exit(1);
});
