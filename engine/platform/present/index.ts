/**
 * The one JSON dialect of Patchbay: every resource as the HTTP runtime answers with it and
 * `patchbay … --json` prints it. Light on purpose (no koa, no knex), so the CLI imports it
 * without loading the runtime.
 */
export {
  compact, presentPage, presentConnection, presentProviderSubscription, presentRun, presentSchedule, presentRecord, presentChange,
  presentKey, presentCreatedKey, presentConnectorSecrets, presentOAuthApp, presentPurgeReport, presentStreamState,
  type Json, type KeyView,
} from './resources.js';
export { presentDiscoveredStream, presentDiscovery, presentSkipped } from './discovered.js';
export { presentWebhookEvent, presentRejection, presentSubscription, presentDelivery } from './webhooks.js';
export { LIMITS, arrayPage, type LimitRange } from '../store/paging.js';
export { describeConnector, summarizeConnector, type ConnectorDocument, type ConnectorSummary, type AuthMethodDocument, type SchemaObject } from './connector.js';
