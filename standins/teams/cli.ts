import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { temporalDir } from '../../scripts/servers';
import { clickStandInCard, formatStandInCards, listStandInCards } from './control';
import { DEMO_TEAMS_STANDIN_PORT } from './demo';
import { fetchTrusting } from './trust';

/**
 * The demo's Teams stand-in commands (`npm run demo -- teams-cards | teams-click …`), for a stand-in started by
 * `SOC_DEMO_TEAMS=1 npm start` (SOC_TEAMS_STANDIN_URL, default https://127.0.0.1:3979). Resolves to what to print and
 * whether the stand-in accepted it (a refused click exits 1).
 *
 *   teams-cards [--all]                                             cards still waiting for a click (or every card)
 *   teams-click <message id> --as <object id | UPN> --yes | --no | --button "<title>"
 */
export const teamsStandInUsage = `  teams-cards [--all]                             cards the demo Teams stand-in holds (waiting ones by default)
  teams-click <message id> --as <user> --yes|--no|--button "<title>"
                                                  click a card as that person (object id or UPN)`;

const usersSchema = z.array(z.object({ id: z.string(), name: z.string(), upn: z.string().optional() }));

export async function teamsStandInCommand(
  command: 'teams-cards' | 'teams-click',
  args: string[],
): Promise<{ text: string; ok: boolean }> {
  const url = process.env.SOC_TEAMS_STANDIN_URL ?? `https://127.0.0.1:${DEMO_TEAMS_STANDIN_PORT}`;
  const certPath = join(temporalDir, 'tls', 'standin-cert.pem');
  const fetch = existsSync(certPath) ? fetchTrusting(readFileSync(certPath, 'utf8')) : globalThis.fetch;
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      all: { type: 'boolean' },
      as: { type: 'string' },
      yes: { type: 'boolean' },
      no: { type: 'boolean' },
      button: { type: 'string' },
    },
  });
  const reach = (err: unknown) => {
    throw new Error(
      `cannot reach the Teams stand-in at ${url} (${err instanceof Error ? err.message : err}); is \`npm start\` running with it?`,
    );
  };

  if (command === 'teams-cards') {
    const cards = await listStandInCards(url, { pendingOnly: !values.all, fetch }).catch(reach);
    return { text: formatStandInCards(cards ?? []), ok: true };
  }

  const activityId = positionals[0];
  const button = values.button ?? (values.yes ? 'Yes, this was me' : values.no ? "No, this wasn't me" : undefined);
  if (!activityId || !values.as || !button)
    throw new Error('usage: teams-click <message id> --as <user> --yes|--no|--button "<title>"');
  const usersResponse = await fetch(new URL('/_standin/users', url)).catch(reach);
  const users = usersSchema.parse(await usersResponse!.json());
  const who = values.as.toLowerCase();
  const user = users.find((u) => u.id.toLowerCase() === who || u.upn?.toLowerCase() === who);
  if (!user)
    throw new Error(`${values.as} is not a person in the stand-in (${users.map((u) => u.upn ?? u.id).join(', ')})`);
  const result = await clickStandInCard(url, { as: user.id, activityId, button }, { fetch });
  return result.status === 200 && !result.message
    ? { text: `Teams shows ${user.name} now:\n${result.text ?? ''}`, ok: true }
    : { text: `Refused (HTTP ${result.status}): ${result.message ?? ''}`, ok: false };
}

if (require.main === module) {
  const [command, ...rest] = process.argv.slice(2);
  if (command !== 'teams-cards' && command !== 'teams-click') {
    console.error(`Usage: npm run demo -- <command>\n\n${teamsStandInUsage}`);
    process.exit(2);
  }
  teamsStandInCommand(command, rest).then(
    ({ text, ok }) => {
      console.log(text);
      process.exit(ok ? 0 : 1);
    },
    (err: Error) => {
      console.error(err.message);
      process.exit(1);
    },
  );
}
