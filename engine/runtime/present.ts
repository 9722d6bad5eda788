/**
 * The runtime answers with the one JSON dialect every client sees (engine/present), shared
 * with the CLI's --json output so the two cannot drift.
 */
export {
  presentPage, presentConnection, presentRun, presentSchedule, presentRecord, presentChange, presentKey, presentCreatedKey,
  presentConnectorSecrets, presentDiscovery, presentDiscoveredStream, presentStreamState, presentWebhookEvent, presentRejection, presentSubscription, presentDelivery,
} from '../platform/present/index.js';
