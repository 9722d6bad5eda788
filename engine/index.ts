/**
 * Patchbay's public API. Hosts import from here (`import { createEngine } from 'patchbay'`);
 * everything else under engine/ is internal and may move.
 *
 * Layers, each usable on its own:
 * - manifests: validate and compile connector.yaml into a frozen plan;
 * - the engine: stateless check / call / read of a connection you hand it;
 * - the platform (`patchbay/platform`): the engine plus a database (sealed credentials, syncs,
 *   records, schedules, webhooks, deliveries);
 * - the runtime (`patchbay/runtime`): the platform over HTTP (koa), or a router for your koa app;
 * - the test runner (`patchbay/testing`): connectors' tests.yaml suites.
 *
 * This entry loads neither koa nor knex (test/entry, bench/import): a host that only calls
 * providers pays for neither.
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
} from './plan/index.js';
export type * from './plan/plan.js';

// The stateless engine
export { createEngine, type Engine, type EngineOptions, type CallOptions, type CheckResult, type ReadHandle, type ReadOptions, type ReadPage, type StreamState } from './run/engine.js';
export type { Connection, CredentialsListener, OutboundRequest, InboundResponse } from './core/wire.js';
export type { RateSlotSource, RateSlotsOption, SlotBudget, SlotWindow, SlotGrant } from './run/http/rate-slots.js';
export { ConnectorError, isConnectorError, ERROR_KINDS, ERROR_ORIGINS, type ErrorKind, type ErrorOrigin, type ConnectorErrorInit } from './core/errors.js';
export { createLogger, silentLogger, type Logger, type LoggerOptions } from './core/log.js';
export { nearest, didYouMean } from './manifest/suggest.js';
export { packagePath, packageRoot, packageVersion } from './core/package-root.js';

// Extension points: components, registered by type name. A kind declares its fields once
// (engine/components/kit.ts); the schema, docs, checks and compiler take them from there.
export type { CompiledExpr } from './lang/expr.js';
export type { CompiledTemplate } from './lang/template.js';
export { literal, template, expression, secret, pattern, object, schemaOf, type FieldSpec, type FieldSpecs, type FieldKind, type Resolved } from './components/kit.js';
export { registerAuthStrategy, authTypes, defineAuth, liveCredential, buildAuthorizeUrl, createPkcePair, exchangeAuthorizationCode, type AuthStrategy, type AuthKind, type AuthContext } from './components/auth/index.js';
export { registerPaginator, paginatorTypes } from './components/pagination/registry.js';
export { definePaginator, pageBindings, isEmptyToken, type PaginatorKind, type Paginator, type PaginatorFactory, type Page } from './components/pagination/protocol.js';
export { setParam, getParam, withSize, type Placement } from './components/pagination/params.js';
export { registerVerifier, defineVerifier, type Verifier, type VerifierKind, type VerifyInput, type VerifyPlanBase } from './components/verify/index.js';
export { registerRouteKind, defineRouteAction, type RouteActionKind, type RouteActionBase, type RouteContext, type RouteServices, type RouteInput, type Provided } from './components/actions/index.js';
