import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Typed search attributes analysts filter on in the Web UI and that metrics are computed from. Values are stored in
 * plain text and bypass the payload codec, so none of them carries personal data (no user names, no IPs).
 */
export const RuleIdKey = defineSearchAttributeKey('SocRuleId', SearchAttributeType.KEYWORD);
export const SeverityKey = defineSearchAttributeKey('SocSeverity', SearchAttributeType.KEYWORD);
export const TriageStateKey = defineSearchAttributeKey('SocTriageState', SearchAttributeType.KEYWORD);
export const DispositionKey = defineSearchAttributeKey('SocDisposition', SearchAttributeType.KEYWORD);
export const SourceKey = defineSearchAttributeKey('SocSource', SearchAttributeType.KEYWORD);
export const RouteKey = defineSearchAttributeKey('SocRoute', SearchAttributeType.KEYWORD);
export const SettledByKey = defineSearchAttributeKey('SocSettledBy', SearchAttributeType.KEYWORD);
export const TriagedAtKey = defineSearchAttributeKey('SocTriagedAt', SearchAttributeType.DATETIME);
export const ContainedAtKey = defineSearchAttributeKey('SocContainedAt', SearchAttributeType.DATETIME);
export const ClosedAtKey = defineSearchAttributeKey('SocClosedAt', SearchAttributeType.DATETIME);
/** How the "was this you?" question ended: answered, expired (escalated for no response), withdrawn, undeliverable. */
export const QuestionOutcomeKey = defineSearchAttributeKey('SocQuestionOutcome', SearchAttributeType.KEYWORD);
/** Shadow mode: true when automatic containment would have acted on this alert (it did not). */
export const WouldContainKey = defineSearchAttributeKey('SocWouldContain', SearchAttributeType.BOOL);
/** Missed-detection records: the rules that should have caught the incident (one false negative of each). */
export const MissedByKey = defineSearchAttributeKey('SocMissedBy', SearchAttributeType.KEYWORD_LIST);
/** Posture routines: the routine (catalog id) a run or finding belongs to. */
export const RoutineKey = defineSearchAttributeKey('SocRoutine', SearchAttributeType.KEYWORD);

export const searchAttributeKeys = [
  RuleIdKey,
  SeverityKey,
  TriageStateKey,
  DispositionKey,
  SourceKey,
  RouteKey,
  SettledByKey,
  TriagedAtKey,
  ContainedAtKey,
  ClosedAtKey,
  QuestionOutcomeKey,
  WouldContainKey,
  MissedByKey,
  RoutineKey,
];

/** `--search-attribute Name=Type` flags for `temporal server start-dev` and `temporal operator`. */
export function searchAttributeCliFlags(): string[] {
  const cliType: Record<string, string> = {
    KEYWORD: 'Keyword',
    DATETIME: 'Datetime',
    INT: 'Int',
    BOOL: 'Bool',
    TEXT: 'Text',
    DOUBLE: 'Double',
    KEYWORD_LIST: 'KeywordList',
  };
  return searchAttributeKeys.flatMap((key) => ['--search-attribute', `${key.name}=${cliType[key.type]}`]);
}
