export {
  buildBotServer,
  teamsBot,
  type BotServerOptions,
  type TeamsBotOptions,
  type InvokeCardResponse,
  type InvokeErrorResponse,
} from './bot';
export {
  BotAuthError,
  createBotTokenVerifier,
  BOT_FRAMEWORK_ISSUER,
  type BotTokenVerifier,
  type BotTokenVerifierOptions,
} from './auth';
