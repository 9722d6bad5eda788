/**
 * The compiled plan: what a validated manifest becomes before anything runs. Every template
 * and expression is compiled, every default merged, every duration in milliseconds, and the
 * whole thing frozen. The executor reads only this, never the YAML.
 */
import type { ValidateFunction } from 'ajv';
import type { CompiledTemplate } from '../lang/template.js';
import type { CompiledExpr } from '../lang/expr.js';
import type { ErrorKind } from '../core/errors.js';
import type { WildcardMatcher } from '../core/wildcard.js';
import type { ProofHost } from '../manifest/proof-origin.js';
import type { BuiltinPagination } from '../components/pagination/registry.js';
import type { BuiltinVerify } from '../components/verify/registry.js';
import type { BuiltinRouteAction } from '../components/actions/registry.js';
import type { BuiltinAuthType } from '../components/auth/registry.js';
import type { PageCommon, PaginationPlanBase } from '../components/pagination/protocol.js';
import type { PlanDynamicFamily } from './dynamic.js';
export type { PlanDynamicFamily };
export { DYNAMIC_KEY, dynamicName, planFamily } from './dynamic.js';

/** Where a manifest node came from, for errors that point at the line. */
export interface SourceLoc {
  file: string;
  line: number;
  column: number;
  /** Dotted manifest path, e.g. `streams.issues.request.path`. */
  path: string;
}

import type { BodyFormat, HttpMethod } from '../core/wire.js';
export type { BodyFormat, HttpMethod };

/** A request body with templates at its string leaves. */
export type BodyNode =
  | { kind: 'template'; template: CompiledTemplate }
  | { kind: 'literal'; value: number | boolean | null }
  | { kind: 'array'; items: BodyNode[] }
  | { kind: 'object'; entries: Array<[string, BodyNode]> };

export interface PlanRequest {
  method: HttpMethod;
  /** Path template, compiled with kind 'path' (segments percent-encoded). */
  path?: CompiledTemplate;
  /** Absolute URL template instead of base_url + path. */
  url?: CompiledTemplate;
  /** Query parameters in manifest order; several templates mean a repeated parameter. */
  query: Array<{ name: string; values: CompiledTemplate[]; repeated: boolean }>;
  headers: Array<{ name: string; template: CompiledTemplate }>;
  body?: BodyNode;
  bodyExpr?: CompiledExpr;
  /** Its templates read `page.*`: paging variables are placed by rendering it again per page. */
  usesPage?: boolean;
  loc: SourceLoc;
}

export interface PlanRateLimit {
  requests?: number;
  perMs?: number;
  /** The provider's remaining count from the response (`$headers`, `$status`; body as `$`). */
  remaining?: CompiledExpr;
  /** A leaky bucket: `size` calls at once, refilled at `refill` per `perMs`. */
  bucket?: { size: number; refill: number; perMs: number };
  /** Further windows that hold at the same time (a daily budget beside a per-minute one). */
  budgets?: Array<{ requests: number; perMs: number }>;
  concurrency?: number;
  scope: 'connection' | 'connector';
  /** A named budget apart from the default one under the same scope (`rate_limit.pool`). */
  pool?: string;
  remainingHeader?: string;
  resetHeader?: string;
  resetFormat: 'epoch_seconds' | 'epoch_ms' | 'seconds';
}

export interface PlanRetry {
  statuses: number[];
  maxAttempts: number;
  backoff: { initialMs: number; maxMs: number; factor: number };
  waitHeaders: string[];
  maxWaitMs: number;
  idempotencyHeader?: string;
  /** Query parameter carrying the per-call key (a `requestid` in the URL). */
  idempotencyQuery?: string;
  /** The request has no side effects though its method is unsafe (a search sent as POST). */
  repeatable?: boolean;
  when?: CompiledExpr;
}

export interface PlanErrors {
  when?: CompiledExpr;
  message?: CompiledExpr;
  code?: CompiledExpr;
  /** Provider error code → engine error kind. */
  kinds: Record<string, ErrorKind>;
}

/**
 * The built-in kinds' configs, each exported by its kind file, as a union narrowed by
 * `type`. A kind a host registers compiles to its own config type (its PaginatorKind<C>);
 * the engine's generic path (drive.ts, createPaginator) reads only PaginationPlanBase, and
 * such a config sits in a plan under this union's name, found by its `type`.
 */
export type PlanPagination = BuiltinPagination;
export type { PageCommon, PaginationPlanBase };

/** Connector `http` merged with an operation's `http` override. */
export interface PlanHttp {
  baseUrl?: CompiledTemplate;
  headers: Array<{ name: string; template: CompiledTemplate }>;
  /** Default query parameters: added to a request that does not set the same name. */
  query: Array<{ name: string; template: CompiledTemplate }>;
  timeoutMs: number;
  bodyFormat: BodyFormat;
  rateLimit?: PlanRateLimit;
  retry: PlanRetry;
  errors: PlanErrors;
  pagination: PlanPagination;
  /** The base URL is the connector's own (not an operation's override): an environment's replaces it. */
  inheritsBaseUrl?: boolean;
}

/** The built-in auth types (from the auth registry); a plan method's `type` is any registered one. */
export type AuthType = BuiltinAuthType;

/**
 * One auth method. `spec` is the manifest block with durations normalised to ms (e.g.
 * `refresh_skew` → `refreshSkewMs` is NOT renamed: strategies read `spec` by manifest
 * names); every template-valued field is compiled into `templates` under its manifest
 * name (`value`, `token`, `token_url`, …), every JSONata field into `exprs`
 * (`error_when`, `token_fields.access_token`, `settings.instance_url`, …).
 */
export interface PlanAuthMethod {
  name: string;
  type: string;
  label?: string;
  spec: Readonly<Record<string, unknown>>;
  templates: Readonly<Record<string, CompiledTemplate>>;
  exprs: Readonly<Record<string, CompiledExpr>>;
  /** Top-level credentials schema merged with this method's. */
  credentialsSchema?: object;
  validateCredentials?: ValidateFunction;
}

export interface PlanAuth {
  methods: Readonly<Record<string, PlanAuthMethod>>;
  defaultMethod: string;
}

export interface PlanCheck {
  request: PlanRequest;
  http: PlanHttp;
  output?: CompiledExpr;
  /** Settings learned from the check response (setting → JSONata over the body): proven account ids. */
  settings?: Readonly<Record<string, CompiledExpr>>;
  /** The provider's part of the check's origin, which a response must come from to prove `settings`. */
  proofHost?: ProofHost;
}

export interface PlanAction {
  name: string;
  title?: string;
  description?: string;
  inputSchema?: object;
  validateInput?: ValidateFunction;
  request: PlanRequest;
  http: PlanHttp;
  /** Over the response body `$`, with `$input`, `$headers`, `$status`. */
  output?: CompiledExpr;
  paginate: boolean;
  records?: CompiledExpr;
  loc: SourceLoc;
}

export interface PlanStream {
  name: string;
  title?: string;
  description?: string;
  request: PlanRequest;
  http: PlanHttp;
  /** Selects raw records from a body; absent means the body itself. */
  records?: CompiledExpr;
  primaryKey: string[];
  cursor?: { field: string; initial?: CompiledTemplate };
  model?: string;
  /**
   * Maps a whole page: input is the array of raw records, output the array of mapped
   * records. Compiled from the per-record `mapping` wrapped as
   * `$map($, function($r){ $r.(<mapping>) })`. Absent means records pass through.
   */
  mapPage?: CompiledExpr;
  parent?: string;
  markDeleted: boolean;
  /** True for a raw record that reports a deletion (a change feed's tombstone). */
  deleted?: CompiledExpr;
  /** State taken from responses besides the cursor (`state:`). */
  state?: PlanStreamState;
  /** The single-record request (`get:`), with the stream's http minus pagination. */
  get?: { request: PlanRequest; http: PlanHttp; record?: CompiledExpr };
  loc: SourceLoc;
}

export interface PlanStreamState {
  /** Values taken from each page's response, in manifest order. */
  keep: Array<{ name: string; expr: CompiledExpr }>;
  /** The whole URL of a run's first request when it renders non-empty. */
  resume?: CompiledTemplate;
  /** Statuses that invalidate the stored state: clear it and read from the beginning, once. */
  resetOn: number[];
}

/** A compiled route action: one of the built-in actions' configs (a host's action compiles to its own). */
export type PlanRouteAction = BuiltinRouteAction;

/** A compiled verification: one of the built-in kinds' configs (a host's kind compiles to its own). */
export type PlanVerify = BuiltinVerify;

export interface PlanRoute {
  on: string[];
  /** `on` patterns compiled (`*` = any run of characters, engine/core/wildcard.ts). */
  matchers: WildcardMatcher[];
  when?: CompiledExpr;
  /** The route's actions in the order they run (the family's order, not the manifest's). */
  actions: PlanRouteAction[];
}

/** What the intake answers, declared: a handshake's reply or an accepted delivery's acknowledgement. */
export interface PlanWebhookReply {
  status: number;
  contentType: string;
  /** A string is sent as is (unless the type is JSON); anything else as JSON. */
  body?: CompiledExpr;
  /** Header name (lower case) → expression over the same input as `body`. */
  headers: Record<string, CompiledExpr>;
}

export interface PlanHandshake extends PlanWebhookReply {
  when: CompiledExpr;
  /** Upper case; default POST only (the single-object form never saw anything else). */
  methods: string[];
  /** Verified before it is answered: a failed one is refused (401) and recorded like any delivery. */
  verify: boolean;
}

export interface PlanAck extends PlanWebhookReply {
  /** Absent: always. When no declared ack applies, the default JSON receipt is sent. */
  when?: CompiledExpr;
}

export interface PlanWebhooks {
  /** Tried in order; the first whose method and `when` match answers. Empty when none are declared. */
  handshakes: PlanHandshake[];
  /** Tried in order after the events are committed; empty: the default receipt. */
  acks: PlanAck[];
  verify: PlanVerify;
  /** `secret`: the connector-level URL's signing secret from `secrets`/`app` only; verified before any connection is chosen. */
  connection?: { match: CompiledExpr; setting: string; secret?: CompiledTemplate };
  events?: CompiledExpr;
  id: CompiledExpr;
  type: CompiledExpr;
  routes: PlanRoute[];
  subscribe?: { request: PlanRequest; http: PlanHttp; id?: CompiledExpr; secret?: CompiledExpr };
  unsubscribe?: { request: PlanRequest; http: PlanHttp };
  /** `webhooks.subscriptions`: kept per connection in the store, renewed by the platform's job. Empty when none are declared. */
  subscriptions: PlanSubscription[];
}

/** One entry of `webhooks.subscriptions`. */
export interface PlanSubscription {
  name: string;
  /** Over `{config, settings, credentials}`; absent: one subscription keyed by the name. */
  forEach?: CompiledExpr;
  /** Over `{item}`; absent: the item as text. */
  key?: CompiledExpr;
  request: PlanRequest;
  http: PlanHttp;
  id?: CompiledExpr;
  expiresAt?: CompiledExpr;
  lifetimeMs?: number;
  renew?: { request: PlanRequest; beforeMs: number; expiresAt?: CompiledExpr };
  unsubscribe?: { request: PlanRequest };
}

export interface Plan {
  id: string;
  name: string;
  description?: string;
  categories: string[];
  docsUrl?: string;
  icon?: string;
  /** Absolute path of connector.yaml. */
  file: string;
  configSchema?: object;
  validateConfig?: ValidateFunction;
  credentialsSchema?: object;
  settingsSchema?: object;
  /** Operator-set secrets of the connector (`secrets:`), available to webhook verification as `secrets`. */
  secretsSchema?: object;
  auth: PlanAuth;
  http: PlanHttp;
  check?: PlanCheck;
  actions: Readonly<Record<string, PlanAction>>;
  streams: Readonly<Record<string, PlanStream>>;
  /** Families of discovered streams (`dynamic_streams`); empty when none are declared. */
  dynamicStreams?: Readonly<Record<string, PlanDynamicFamily>>;
  webhooks?: PlanWebhooks;
  /** Steps run when a connection is made (after consent, before its check). */
  setup?: readonly PlanSetupStep[];
  /** Requests run before a connection is disconnected (best effort). */
  teardown?: readonly PlanSetupStep[];
  /** Named environments (production, sandbox, …); absent when the manifest declares none. */
  environments?: PlanEnvironments;
  /** The manifest after `extends` resolution, for describe/list. */
  manifest: Readonly<Record<string, unknown>>;
}

/**
 * One connection set-up (or teardown) step. A step captures callback parameters, or sends a
 * request whose answer writes settings and credentials, optionally choosing one candidate of
 * a list (`choose`).
 */
export interface PlanSetupStep {
  /** The manifest's name, else `setup[<index>]`: what a failure or a pending choice names. */
  name: string;
  index: number;
  /** Auth methods the step runs for; absent: all of them. */
  auth?: readonly string[];
  /** Setting → callback query parameter (the OAuth redirect's own parameters). */
  capture?: Readonly<Record<string, string>>;
  request?: { request: PlanRequest; http: PlanHttp; proofHost?: ProofHost };
  choose?: { from?: CompiledExpr; id: CompiledExpr; label?: CompiledExpr };
  /** Setting → JSONata over the response body (or the chosen candidate). */
  settings?: Readonly<Record<string, CompiledExpr>>;
  /** Credential → JSONata, like `settings`; stored sealed. */
  credentials?: Readonly<Record<string, CompiledExpr>>;
  loc: SourceLoc;
}

/** One declared environment: where its API and OAuth endpoints are. */
export interface PlanEnvironment {
  name: string;
  title?: string;
  /** Replaces the connector's `http.base_url` wherever an operation inherits it. */
  baseUrl?: CompiledTemplate;
  /** The fixed host of `baseUrl`, which a check's `settings` must come from in this environment. */
  proofHost?: ProofHost;
  /** The connector's auth methods with this environment's OAuth URLs and hosts. */
  methods: Readonly<Record<string, PlanAuthMethod>>;
}

export interface PlanEnvironments {
  /** In manifest order. */
  byName: Readonly<Record<string, PlanEnvironment>>;
  names: readonly string[];
  default: string;
}

/**
 * The plan's action or stream of that name, looked up as an own property only: names arrive
 * from URLs and command lines, and `plan.actions['constructor']` on an ordinary object is
 * Object's constructor, not a missing action. Compiled plans also have prototype-less
 * tables (compile.ts); this holds for plans built any other way too.
 */
export function planAction(plan: Pick<Plan, 'actions'>, name: string): PlanAction | undefined {
  return Object.hasOwn(plan.actions, name) ? plan.actions[name] : undefined;
}

export function planStream(plan: Pick<Plan, 'streams'>, name: string): PlanStream | undefined {
  return Object.hasOwn(plan.streams, name) ? plan.streams[name] : undefined;
}

