import { sleep } from '@temporalio/workflow';

/**
 * The floor of `npm run bench:scale`: a bare workflow waiting on the same timer as a triage case waiting for its user,
 * with nothing else around it. Times are workflow time, as the triage case records its deadline and escalation.
 */
export async function benchTimerWorkflow(timeoutMs: number): Promise<{ deadline: string; firedAt: string }> {
  const deadline = new Date(Date.now() + timeoutMs).toISOString();
  await sleep(timeoutMs);
  return { deadline, firedAt: new Date().toISOString() };
}
