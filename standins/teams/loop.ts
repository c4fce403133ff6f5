import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import type { Messenger } from '../../activities/ports';
import { createTeamsMessenger } from '../../activities/teams/messenger';
import type { AnalystGroup } from '../../client/teams/analyst-group';
import { buildBotServer } from '../../client/teams/bot';
import type { StepUp } from '../../client/teams/step-up';
import { freePort } from '../../scripts/servers';
import { loadTeamsConfig, type TeamsConfig } from '../../common/config/teams';
import { startTeamsStandIn, type TeamsStandIn, type TeamsStandInOptions } from './standin';
import { fetchTrusting } from './trust';

/**
 * The whole Teams loop on one machine: the stand-in, the real bot endpoint (listening on 127.0.0.1) wired to it, and a
 * Teams messenger for the worker — configured exactly as production is, through `loadTeamsConfig` on the stand-in's
 * TEAMS_* variables. For the demo (`npm start`) and the tests.
 */
export interface TeamsLoop {
  standIn: TeamsStandIn;
  config: TeamsConfig;
  bot: FastifyInstance;
  botUrl: string;
  messenger: Messenger;
  /** The step-up confirmation page on the bot's server, when asked for. */
  stepUp?: StepUp;
  /** A fetch that trusts the stand-in certificate, for more messengers or clients in this process. */
  fetch: typeof fetch;
  close(): Promise<void>;
}

export async function startTeamsLoop(options: {
  temporal: Client;
  analysts: string[];
  /** Analysts by Entra group, as `SOC_ANALYST_GROUP_ID` configures the bot. */
  analystGroup?: AnalystGroup;
  standIn: TeamsStandInOptions;
  botPort?: number;
  /** For alerts that name the user only by UPN (see `TeamsMessengerOptions.lookupObjectId`). */
  lookupObjectId?: (userPrincipalName: string) => Promise<string>;
  /** Serve step-up on the bot's server, made for its public URL (see `standins/entra/step-up.ts`). */
  stepUp?: (publicUrl: string) => Promise<StepUp>;
}): Promise<TeamsLoop> {
  const standIn = await startTeamsStandIn(options.standIn);
  let stepUp: StepUp | undefined;
  try {
    // Step-up's redirect URI names the bot's port, so it is chosen before the server is built.
    const botPort = options.botPort || (options.stepUp ? await freePort() : 0);
    const config = loadTeamsConfig(standIn.env({ TEAMS_BOT_PORT: String(botPort) }))!;
    stepUp = options.stepUp ? await options.stepUp(`http://127.0.0.1:${botPort}`) : undefined;
    // This process may have started before NODE_EXTRA_CA_CERTS named the stand-in certificate: trust it explicitly.
    const fetch = fetchTrusting(standIn.caCert);
    const bot = await buildBotServer({
      config,
      temporal: options.temporal,
      analysts: options.analysts,
      analystGroup: options.analystGroup,
      stepUp,
      fetch,
    });
    await bot.listen({ host: config.botHost, port: config.botPort });
    const address = bot.server.address();
    if (!address || typeof address === 'string') throw new Error('bot server has no TCP address');
    const botUrl = `http://127.0.0.1:${address.port}/api/messages`;
    standIn.setBotEndpoint(botUrl);
    return {
      standIn,
      config,
      bot,
      botUrl,
      messenger: createTeamsMessenger(config, { fetch, lookupObjectId: options.lookupObjectId }),
      stepUp,
      fetch,
      async close() {
        stepUp?.close();
        await bot.close();
        await standIn.close();
      },
    };
  } catch (err) {
    stepUp?.close();
    await standIn.close();
    throw err;
  }
}
