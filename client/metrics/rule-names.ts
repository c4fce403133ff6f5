import type { Client } from '@temporalio/client';
import type { RuleCatalog } from '../../common/rules';

/** A case as far as naming its rule goes. */
export interface RuleOfCase {
  ruleId: string;
  workflowId: string;
}

/** Rule id → the name people know it by, for the rules of the given cases (rules with no known name are absent). */
export type RuleNamer = (cases: readonly RuleOfCase[]) => Promise<Map<string, string>>;

/** How many rules the catalog does not name are looked up in one call: one describe each, in parallel. */
const MAX_LOOKUPS = 50;

/**
 * The catalog's name for a rule; else the name the alert itself gave, read from one of the rule's cases (its static
 * summary, `<rule name> · <who> · <severity>`): one describe per rule, never one per case.
 */
export function ruleNamer(client: Client, catalog?: RuleCatalog): RuleNamer {
  return async (cases) => {
    const names = new Map<string, string>();
    const unnamed = new Map<string, string>();
    for (const { ruleId, workflowId } of cases) {
      const name = catalog?.ruleFor(ruleId).name;
      if (name) names.set(ruleId, name);
      else if (!unnamed.has(ruleId)) unnamed.set(ruleId, workflowId);
    }
    await Promise.all(
      [...unnamed].slice(0, MAX_LOOKUPS).map(async ([ruleId, workflowId]) => {
        const summary = await client.workflow
          .getHandle(workflowId)
          .describe()
          .then((d) => d.staticSummary())
          .catch(() => undefined);
        const name = summary && ruleNameInSummary(summary);
        if (name) names.set(ruleId, name);
      }),
    );
    return names;
  };
}

/** The rule name at the head of an alert summary (see `alertSummary`): the last two parts are who and severity. */
export function ruleNameInSummary(summary: string): string | undefined {
  const parts = summary.split(' · ');
  return (parts.length <= 2 ? parts[0] : parts.slice(0, -2).join(' · '))?.trim() || undefined;
}

/** A rule as a table shows it: `Name (id)` where a name is known and differs from the id, else the id. */
export function ruleLabel(ruleId: string, names: ReadonlyMap<string, string> | undefined): string {
  const name = names?.get(ruleId);
  return name && name !== ruleId ? `${name} (${ruleId})` : ruleId;
}
