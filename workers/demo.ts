import { createInMemoryPorts } from '../activities/in-memory/ports';
import { postureSeed } from '../activities/in-memory/posture-seed';
import { demoSeed } from '../activities/in-memory/seed';
import { World } from '../activities/in-memory/world';
import type { Ports, SiemWriteBack } from '../activities/ports';
import { DEMO_ANALYST } from '../common/demo';

/** Demo mode: no tenant configured, so the product runs against a seeded in-memory tenant and prints its messages. */

export function demoPorts(log: (line: string) => void): Ports {
  const seed = demoSeed();
  const world = World.create({ ...seed, users: [...seed.users, ...postureSeed()] });
  const ports = createInMemoryPorts(world, {
    onQuestion: (q) =>
      log(
        `\n[demo Teams] Asked ${q.user.userPrincipalName}: "Was this you?" — ${q.alert.title}\n` +
          (q.stepUp
            ? `  answer: npm run soc -- answer ${q.workflowId} --as ${q.user.userPrincipalName} --no   (a "yes" counts only after step-up: try SOC_DEMO_TEAMS=1 npm start)`
            : `  answer: npm run soc -- answer ${q.workflowId} --as ${q.user.userPrincipalName} --yes   (or --no)`),
      ),
    onEscalation: (n) =>
      log(
        `\n[demo SOC channel] ${n.alert.title}: ${n.reason}\n` +
          `  decide: npm run soc -- decide ${n.workflowId} --as ${DEMO_ANALYST} close-false-positive   (or contain, close-benign, close-true-positive, release-containment)`,
      ),
  });
  return { ...ports, writeBack: printedWriteBack(log) };
}

/** The in-memory demo has no SIEM stand-ins: what would be written back to the alert's source is printed instead. */
function printedWriteBack(log: (line: string) => void): SiemWriteBack {
  return {
    async write(request) {
      log(`\n[demo ${request.source}] ${request.transition}: ${request.reason} (disposition ${request.disposition})`);
      return { status: 'written', detail: 'printed by the demo (no SIEM here)' };
    },
  };
}
