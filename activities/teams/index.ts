export {
  createTeamsMessenger,
  decodeMessageRef,
  encodeMessageRef,
  type TeamsMessageRef,
  type TeamsMessengerOptions,
} from './messenger';
export {
  createBotTokenSource,
  createConnectorClient,
  cardActivity,
  ConnectorError,
  type ConnectorClient,
  type ConnectorOptions,
} from './connector';
export { cardBinder, signCardBinding, verifyCardData, type BoundActionData, type CardBinding } from './card-token';
export * from './cards';
