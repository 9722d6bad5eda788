/**
 * Patchbay's public API. Hosts import from here (`import { createEngine } from 'patchbay'`);
 * everything else under engine/ is internal and may move.
 *
 * Layers, each usable on its own:
 * - manifests: validate and compile connector.yaml into a frozen plan;
 * - the engine: stateless check / call / read of a connection you hand it;
 * - the platform: the engine plus a database (sealed credentials, syncs, records, schedules,
 *   webhooks, deliveries);
 * - the runtime: the platform over HTTP (koa), or as a router mounted in your own koa app.
 */

// Manifests
export {
  validateSource,
  validateFile,
  compileSource,
  loadPlan,
  requirePlan,
  findManifests,
  loadConnectors,
  DIAGNOSTIC_CODES,
  manifestSchema,
  manifestSchemaJson,
  compileAuthBlock,
  type Diagnostic,
  type Severity,
} from './manifest/index.js';
export type * from './manifest/plan.js';

// The stateless engine
export { createEngine, type Engine, type EngineOptions, type CallOptions, type CheckResult, type ReadHandle, type ReadOptions, type ReadPage, type StreamState } from './engine.js';
export type { Connection, CredentialsListener, OutboundRequest, InboundResponse } from './http/types.js';
export { ConnectorError, isConnectorError, ERROR_KINDS, type ErrorKind, type ConnectorErrorInit } from './errors.js';
export { createLogger, silentLogger, type Logger, type LoggerOptions } from './log.js';

// Extension points: components, registered by type name. A kind declares its fields once
// (engine/components.ts); the schema, docs, checks and compiler take them from there.
export { literal, template, expression, secret, object, schemaOf, type FieldSpec, type FieldSpecs, type FieldKind, type Resolved } from './components.js';
export { registerAuthStrategy, authTypes, defineAuth, liveCredential, buildAuthorizeUrl, createPkcePair, exchangeAuthorizationCode, type AuthStrategy, type AuthKind, type AuthContext } from './auth/index.js';
export { registerPaginator, paginatorTypes } from './paginate/registry.js';
export { definePaginator, pageBindings, isEmptyToken, type PaginatorKind, type Paginator, type PaginatorFactory, type Page } from './paginate/protocol.js';
export { setParam, getParam, withSize, type Placement } from './paginate/params.js';
export { registerVerifier, registerRouteKind } from './webhooks/index.js';

// The stateful platform
export { createPlatform, type Platform, type PlatformOptions } from './platform.js';
export { createWebhooks, type WebhooksService, type WebhooksOptions } from './webhooks/index.js';
export { createDeliveries, type Deliveries, type DeliveriesOptions } from './deliveries/index.js';

// The HTTP runtime
export { createApp, createRouter, createRuntime, startServer, buildOpenApi, type Runtime, type RuntimeOptions, type ServerOptions, type RunningServer } from './runtime/index.js';

// Data-driven connector tests
export { runConnectorTests, runCase, loadTestSuite } from './testing/index.js';
