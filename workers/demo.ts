import { createInMemoryPorts } from '../activities/in-memory/ports';
import { postureSeed } from '../activities/in-memory/posture-seed';
import { demoSeed } from '../activities/in-memory/seed';
import { World } from '../activities/in-memory/world';
import type { Ports } from '../activities/ports';
import { DEMO_ANALYST } from '../common/demo';

/** Demo mode: no tenant configured, so the product runs against a seeded in-memory tenant and prints its messages. */

export function demoPorts(log: (line: string) => void): Ports {
  const seed = demoSeed();
  const world = World.create({ ...seed, users: [...seed.users, ...postureSeed()] });
  return createInMemoryPorts(world, {
    onQuestion: (q) =>
      log(
        `\n[demo Teams] Asked ${q.user.userPrincipalName}: "Was this you?" — ${q.alert.title}\n` +
          `  answer: npm run soc -- answer ${q.workflowId} --as ${q.user.userPrincipalName} --yes   (or --no)`,
      ),
    onEscalation: (n) =>
      log(
        `\n[demo SOC channel] ${n.alert.title}: ${n.reason}\n` +
          `  decide: npm run soc -- decide ${n.workflowId} --as ${DEMO_ANALYST} close-false-positive   (or contain, close-benign, close-true-positive, release-containment)`,
      ),
  });
}
