import type { Client } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseAlert, type Alert } from '../common/alert';
import { loadRuleCatalog } from '../common/rules';
import { createPromotionAwareCatalog } from './fidelity';
import { submitAlert } from './triage-client';
import type { CliTemporal } from './cli-connect';
import { CliUsageError } from './cli-errors';

export function demoAlert(ransomware: boolean): Alert {
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

/** The alert in a file, in the generic model; a missing or unreadable file is the caller's mistake. */
export function alertInFile(path: string | undefined): Alert {
  if (!path) throw new CliUsageError('submit needs a file\nUsage: npm run soc -- submit <alert.json>');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new CliUsageError(`cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  return parseAlert(JSON.parse(text));
}

/** Starts triage under the rule's policy as new alerts see it (with the promotions the fidelity loop granted). */
export async function submit(temporal: CliTemporal, alert: Alert, client: Client = temporal.client): Promise<string> {
  const rules = await createPromotionAwareCatalog(client, loadRuleCatalog(temporal.rulesFile), { refreshMs: 0 });
  const result = await submitAlert(client, {
    alert,
    policy: rules.policyFor(alert.ruleId),
    analysts: temporal.analysts,
    taskQueue: temporal.taskQueue,
  });
  return `${result.outcome}: ${result.workflowId}`;
}
