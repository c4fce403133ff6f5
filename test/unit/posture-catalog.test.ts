import { join } from 'node:path';
import { loadPostureCatalog, parsePostureCatalog, PostureCatalogError } from '../../common/posture-catalog';

const shipped = join(__dirname, '..', '..', 'rules', 'posture.yaml');

function problems(yaml: string): string[] {
  try {
    parsePostureCatalog(yaml, '/etc/soc/posture.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(PostureCatalogError);
    return (err as Error).message.split('\n');
  }
  throw new Error('the catalog was accepted');
}

test('the shipped posture catalog is valid and names each routine with its schedule and mode', () => {
  const routines = loadPostureCatalog(shipped);
  expect(routines.map((r) => [r.id, r.check, r.mode, r.dryRun])).toEqual([
    ['stale-guests', 'stale-guests', 'ask-then-act', false],
    ['privileged-without-mfa', 'privileged-without-mfa', 'ask-then-act', false],
    ['risky-users', 'risky-users-without-case', 'act', false],
    ['containment-drift', 'containment-drift', 'act', false],
    ['expired-ip-blocks', 'expired-ip-blocks', 'act', false],
  ]);
  expect(routines[0]!.schedule).toEqual({ cron: '0 6 * * *' });
  expect(routines[1]!.schedule).toEqual({ everyMs: 12 * 3_600_000 });
});

test('errors name the file as given, the routine and the field', () => {
  expect(
    problems(
      'routines:\n  guests:\n    check: stale-guests\n    mode: asks\n    schedule: { every: 1h }\n    parameters: { inactiveFor: soon, sponsor: x }\n  roles:\n    check: privileged\n    mode: act\n',
    ),
  ).toEqual([
    '/etc/soc/posture.yaml: routine "guests": mode: must be one of report, ask-then-act, act',
    '/etc/soc/posture.yaml: routine "guests": parameters.inactiveFor: must be a duration like 90d',
    '/etc/soc/posture.yaml: routine "guests": parameters: unknown field "sponsor"',
    '/etc/soc/posture.yaml: routine "roles": check: must be one of stale-guests, privileged-without-mfa, risky-users-without-case, containment-drift, expired-ip-blocks',
  ]);
  expect(
    problems('routines:\n  r:\n    check: risky-users-without-case\n    mode: act\n    schedule: { cron: daily }\n'),
  ).toEqual([
    '/etc/soc/posture.yaml: routine "r": schedule.cron: must be a five-field cron expression like "0 6 * * *"',
  ]);
  expect(() => loadPostureCatalog('/nonexistent/posture.yaml')).toThrow(
    '/nonexistent/posture.yaml: cannot be read (ENOENT); set SOC_POSTURE_FILE to the posture catalog',
  );
});

test('the routines about our own containment ask nobody: ask-then-act is refused by name; their parameters are checked', () => {
  expect(
    problems(
      'routines:\n  drift:\n    check: containment-drift\n    mode: ask-then-act\n    schedule: { every: 15m }\n  blocks:\n    check: expired-ip-blocks\n    mode: act\n    schedule: { every: 1d }\n    parameters: { closedFor: later, maxCases: 0 }\n',
    ),
  ).toEqual([
    '/etc/soc/posture.yaml: routine "drift": mode: must be report or act (this check asks nobody, so ask-then-act does not apply)',
    '/etc/soc/posture.yaml: routine "blocks": parameters.closedFor: must be a duration like 30d',
    '/etc/soc/posture.yaml: routine "blocks": parameters.maxCases: must be a whole number from 1 to 5000',
  ]);
  const [blocks] = parsePostureCatalog(
    'routines:\n  b:\n    check: expired-ip-blocks\n    mode: report\n    schedule: { every: 1d }\n',
    'x.yaml',
  );
  expect(blocks).toMatchObject({ parameters: { closedForMs: 30 * 86_400_000, maxCases: 1000 } });
});
