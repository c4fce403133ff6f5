import { Writable } from 'node:stream';
import { createWorkerLogger } from '../../workers/logger';

function capture(level: 'info' | 'debug') {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: createWorkerLogger(level, stream), lines };
}

// What the SDK hands the runtime's logger for a workflow's `log.error(…)`, with the case's failure reason attached.
const meta = {
  sdkComponent: 'workflow',
  workflowId: 'triage:generic:tests:42',
  runId: 'r-1',
  workflowType: 'triageWorkflow',
  step: 'contain',
  reason: 'user jdoe@contoso.example (203.0.113.50) cannot be disabled',
  error: new Error('Graph 400 for jdoe@contoso.example'),
  headers: { authorization: 'Bearer secret-token' },
};

test('at info, a worker log line is JSON with the workflow id and no personal data', () => {
  const { logger, lines } = capture('info');
  logger.temporal.error('a step of the case failed; escalating', meta);
  logger.temporal.debug('not shown at info', meta);
  expect(lines).toHaveLength(1);
  const line = JSON.parse(lines[0]!);
  expect(line).toMatchObject({
    level: 50,
    msg: 'a step of the case failed; escalating',
    workflowId: 'triage:generic:tests:42',
    step: 'contain',
    errorType: 'Error',
    omitted: ['reason', 'headers'],
  });
  expect(lines[0]).not.toMatch(/jdoe|203\.0\.113\.50|secret-token/);
});

test('SOC_LOG_LEVEL=debug keeps the details, secrets still redacted', () => {
  const { logger, lines } = capture('debug');
  logger.temporal.error('a step of the case failed; escalating', meta);
  expect(lines[0]).toContain('jdoe@contoso.example');
  expect(JSON.parse(lines[0]!).headers.authorization).toBe('[Redacted]');
  expect(lines[0]).not.toContain('secret-token');
});
