import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { demoSeed } from '../../activities/in-memory/seed';
import type { IdentityDirectory } from '../../activities/ports';
import { temporalDir } from '../../scripts/servers';
import { ensureStandInTls } from '../tls';
import { DEMO_MFA_CODE, DEMO_PASSWORD } from '../entra/sign-in';
import { startTeamsLoop, type TeamsLoop } from './loop';
import type { StandInUser } from './standin';
import type { StepUp } from '../../client/teams/step-up';

/**
 * `npm start` with the Teams stand-in: the demo tenant's people in a local Teams, the real bot endpoint, and the Teams
 * messenger for the worker. A person answers a card on the stand-in's page (https://127.0.0.1:3979/, self-signed
 * certificate) or with `npm run demo -- teams-cards` / `teams-click`.
 */

export const DEMO_TEAMS_STANDIN_PORT = 3979;
export const DEMO_TEAMS_BOT_PORT = 3978;

export function demoTeamsUsers(analysts: string[]): StandInUser[] {
  const people = demoSeed().users.map((u) => ({ id: u.id, name: u.displayName, upn: u.userPrincipalName }));
  return [
    ...people,
    ...analysts.map((id, i) => ({
      id,
      name: analysts.length > 1 ? `SOC analyst ${i + 1}` : 'SOC analyst',
      analyst: true,
    })),
  ];
}

export async function startTeamsDemo(options: {
  temporal: Client;
  analysts: string[];
  /** The worker's identity port: looks up users the demo alerts name only by UPN. */
  identity: IdentityDirectory;
  standInPort?: number;
  botPort?: number;
  /** Step-up for "yes" on the bot's server (the Entra stand-in's, in demo mode). */
  stepUp?: (publicUrl: string) => Promise<StepUp>;
}): Promise<TeamsLoop & { instructions: string[] }> {
  const tls = await ensureStandInTls(join(temporalDir, 'tls'));
  const loop = await startTeamsLoop({
    temporal: options.temporal,
    analysts: options.analysts,
    standIn: {
      users: demoTeamsUsers(options.analysts),
      tls: { cert: tls.cert, key: tls.key },
      port: options.standInPort ?? DEMO_TEAMS_STANDIN_PORT,
    },
    botPort: options.botPort ?? DEMO_TEAMS_BOT_PORT,
    lookupObjectId: async (upn) => (await options.identity.userProfile({ userPrincipalName: upn })).id,
    stepUp: options.stepUp,
  });
  return {
    ...loop,
    instructions: [
      `Teams stand-in:       ${loop.standIn.url}/   (cards with working buttons; accept the self-signed certificate)`,
      `Bot endpoint:         ${loop.botUrl}`,
      'Cards waiting:        npm run demo -- teams-cards',
      'Click a card:         npm run demo -- teams-click <message id> --as jdoe@contoso.example --yes   (or --no, or --button "Contain")',
      ...(loop.stepUp
        ? [
            `Step-up for "yes":    the card links to ${loop.stepUp.config.publicBaseUrl}/stepup; sign in as the user with password "${DEMO_PASSWORD}" and MFA code ${DEMO_MFA_CODE} (or skip MFA to see it refused)`,
          ]
        : []),
    ],
  };
}
