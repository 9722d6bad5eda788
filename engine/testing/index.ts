/** The data-driven connector test runner (connectors/<id>/tests.yaml). */
export { loadTestSuite, formatDiagnostics, type TestDiagnostic } from './load.js';
export { runCase, runSuite, runConnectorTests, discoverTestFiles, caseTitle, planFor, type RunOptions, type CaseOptions } from './run.js';
export { startScriptedServer, UNEXPECTED_STATUS, type ScriptedServer } from './server.js';
export { matchRequest, type ActualRequest } from './match.js';
export { diff, deepEqual } from './compare.js';
export { checkExpectation, describeError, type Outcome } from './expect.js';
export { deliverWebhook, type WebhookOutcome } from './webhook.js';
export { checkWebhookExpectation } from './webhook-expect.js';
export type * from './types.js';
