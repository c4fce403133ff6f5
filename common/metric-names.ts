/** The product's own Prometheus metrics, named once: the workflow records them, the worker's runtime buckets them. */
export const caseMetricNames = {
  alerts: 'soc_alerts_total',
  shadowWouldContain: 'soc_shadow_would_contain_total',
  timeToTriage: 'soc_time_to_triage_seconds',
  timeToContain: 'soc_time_to_contain_seconds',
  escalations: 'soc_escalations_total',
  closed: 'soc_alerts_closed_total',
} as const;

/** Recall's metrics: exercises ended (by the exercise workflow), recall per rule (by the fidelity review). */
export const exerciseMetricNames = {
  exercises: 'soc_detection_exercises_total',
  recall: 'soc_rule_recall',
  recallUpperBound: 'soc_rule_recall_upper_bound',
  recallFlagged: 'soc_rule_recall_flagged',
} as const;

/** The posture routines' metrics (workflows/posture), by routine id. */
export const postureMetricNames = {
  runs: 'soc_posture_runs_total',
  findingsOpened: 'soc_posture_findings_opened_total',
  findingsClosed: 'soc_posture_findings_closed_total',
} as const;
