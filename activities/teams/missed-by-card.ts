/**
 * "Should have been caught by…" on the SOC card: an analyst who found this case by other means names the rule(s)
 * that should have raised it; the bot records a missed detection of each (see `client/teams/missed-by.ts`).
 */

export const MISSED_BY_VERB = 'missed-by';
export const MISSED_BY_TITLE = 'Should have been caught by…';
/** The card input whose value (rule ids, comma-separated) the click carries. */
export const MISSED_BY_INPUT = 'missedBy';

export interface InputText {
  type: 'Input.Text';
  id: string;
  label: string;
  placeholder?: string;
  maxLength?: number;
}

export interface InputChoiceSet {
  type: 'Input.ChoiceSet';
  id: string;
  label: string;
  isMultiSelect: true;
  choices: { title: string; value: string }[];
}

/** The rule choice: the catalog's rules when the messenger knows them, else free text. */
export function missedByInput(ruleChoices?: readonly string[]): InputText | InputChoiceSet {
  const label = 'Should have been caught by (rule ids)';
  if (ruleChoices?.length)
    return {
      type: 'Input.ChoiceSet',
      id: MISSED_BY_INPUT,
      label,
      isMultiSelect: true,
      choices: ruleChoices.slice(0, 50).map((rule) => ({ title: rule, value: rule })),
    };
  return {
    type: 'Input.Text',
    id: MISSED_BY_INPUT,
    label,
    placeholder: 'e.g. mfa-fatigue, leaked-credentials',
    maxLength: 500,
  };
}
