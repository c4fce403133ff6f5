import type { Worker } from '@temporalio/worker';
import { postureSubjects } from '../../activities/in-memory/posture-seed';
import { cardText } from '../../activities/teams/cards';
import { postureFindingWorkflowId } from '../../common/posture';
import { cardButtons, type StandInMessage } from '../../standins/teams/standin';
import { startTeamsLoop, type TeamsLoop } from '../../standins/teams/loop';
import { ANALYST, postureWorker, postureWorld, routine, runRoutine, waitForFinding } from '../harness/posture';
import { connectDevServer, uniqueTaskQueue, type DevServerHarness } from '../harness/temporal';

/**
 * A stale guest's sponsor answers in Teams, through the real bot and the Teams stand-in: the card asks in the
 * finding's words, "Remove <guest>" disables the guest, and the acknowledgement and the replaced card say so.
 */

const SPONSOR = { id: '11111111-1111-4111-8111-111111111111', upn: 'jdoe@contoso.example' };
const GUEST = 'pat@fabrikam.example';

let dev: DevServerHarness;
let teams: TeamsLoop;
let worker: Worker | undefined;

beforeAll(async () => {
  dev = await connectDevServer();
  teams = await startTeamsLoop({
    temporal: dev.client,
    analysts: [ANALYST],
    standIn: { users: [{ id: SPONSOR.id, name: 'Jane Doe', upn: SPONSOR.upn }] },
  });
});
afterAll(async () => {
  await teams?.close();
  await dev?.teardown();
});

async function until<T>(read: () => T | undefined, what: string): Promise<T> {
  for (const deadline = Date.now() + 30_000; ; await new Promise((r) => setTimeout(r, 50))) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
  }
}

test('the sponsor removes a stale guest from a card in the finding’s words; the answer is told back in them', async () => {
  const world = postureWorld();
  const taskQueue = uniqueTaskQueue('teams-posture');
  worker = await postureWorker({
    connection: dev.nativeConnection,
    namespace: dev.namespace,
    taskQueue,
    world,
    messenger: teams.messenger,
  });
  const r = {
    ...routine(
      'check: stale-guests\nschedule: { every: 1d }\nmode: ask-then-act\nparameters: { inactiveFor: 90d, answerWithin: 3d, snoozeFor: 30d, undoWindow: 7d }',
    ),
    id: `teams-${taskQueue.slice(-8)}`,
  };
  const handle = dev.client.workflow.getHandle(postureFindingWorkflowId(r.id, postureSubjects.staleGuest));
  try {
    await worker.runUntil(async () => {
      expect(await runRoutine(dev.client, taskQueue, r, `${r.id}-run`)).toMatchObject({ found: 1, opened: 1 });
      const message: StandInMessage = await until(
        () => teams.standIn.messages({ userId: SPONSOR.id }).find((m) => cardButtons(m.card).length > 0),
        'the question card',
      );
      const asked = cardText(message.card);
      expect(asked).toContain('Is this guest still needed?');
      expect(asked).toContain(`You (${SPONSOR.upn}) are the sponsor of the guest account ${GUEST}`);
      expect(asked).not.toContain('Was this you?');
      expect(cardButtons(message.card).map((b) => b.title)).toEqual([`Keep ${GUEST}`, `Remove ${GUEST}`]);

      const click = await teams.standIn.clickCard({
        as: SPONSOR.id,
        activityId: message.activityId,
        button: `Remove ${GUEST}`,
      });
      expect([click.status, click.statusCode]).toEqual([200, 200]);
      const ack = cardText(click.card);
      expect(ack).toContain('Thanks — your answer is recorded');
      expect(ack).toContain(`You answered: Remove ${GUEST}.`);
      expect(ack).toContain(`${GUEST} will be disabled.`);
      expect(ack).not.toMatch(/this was me|service is back/);

      const disabled = await waitForFinding(handle, (s) => s.state === 'fixed-automatically', 'the guest disabled');
      expect(disabled.question).toMatchObject({ answer: 'remove', answeredBy: SPONSOR.upn });
      expect(world.findUser({ objectId: postureSubjects.staleGuest }).accountEnabled).toBe(false);

      const replaced = await until(
        () =>
          teams.standIn
            .messages({ userId: SPONSOR.id })
            .find((m) => m.activityId === message.activityId)
            ?.versions.find((v) => v.source === 'put'),
        'the question card replaced',
      );
      expect(cardText(replaced.card)).toContain(`You answered: Remove ${GUEST}.`);
      expect(cardButtons(replaced.card)).toEqual([]);
    });
  } finally {
    await handle.terminate('test finished').catch(() => undefined);
  }
});
