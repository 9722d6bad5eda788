/** The `webhooks` block → PlanWebhooks: verification defaults filled, route patterns as wildcard matchers. */
import { ConnectorError } from '../core/errors.js';
import type { Path } from '../manifest/diagnostics.js';
import type { CompileContext } from './compile-context.js';
import { compileHttp, layersFor } from './compile-http.js';
import { compileRequest } from './compile-request.js';
import { compileAcks, compileHandshakes } from './compile-webhook-replies.js';
import { resolveFields } from '../components/kit.js';
import { routeActionOrder, routeActions } from '../components/actions/registry.js';
import { verifiers } from '../components/verify/registry.js';
import { isPlainObject } from '../core/objects.js';
import type { PlanHttp, PlanRoute, PlanRouteAction, PlanSubscription, PlanVerify, PlanWebhooks } from './plan.js';
import { parseDuration } from '../lang/durations.js';
import { wildcard, type WildcardMatcher } from '../core/wildcard.js';

export const DEFAULT_TOLERANCE_MS = 5 * 60_000;

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (isPlainObject(v) ? v : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** `issues.*`: only `*` is special, everything else is literal; matched without a regex. */
export function routePattern(on: string): WildcardMatcher {
  return wildcard(on);
}

/** A block of a registered kind, compiled from its declared fields; `compile` shapes the rest. */
function compileVerify(ctx: CompileContext, v: Obj, path: Path): PlanVerify {
  // Unknown fails closed here, placed; never as `none`, which would accept anything.
  const type = str(v.type) ?? 'none';
  const kind = verifiers.get(type);
  if (!kind) {
    const location = ctx.loc([...path, 'type']);
    throw new ConnectorError({ kind: 'config', origin: 'manifest', message: `unknown webhook verification type "${type}" at ${location.path}; known: ${verifiers.types().join(', ')}`, location });
  }
  const shared = kind.shared === false ? {} : resolveFields(ctx, verifiers.options.shared ?? {}, v, path);
  const fields = resolveFields(ctx, kind.fields ?? {}, v, path);
  const own = kind.compile ? kind.compile(fields) : fields;
  // A host's kind compiles to its own config type; plans name them all PlanVerify.
  return { secretEncoding: 'utf8', toleranceMs: DEFAULT_TOLERANCE_MS, ...shared, ...own, type: kind.type } as PlanVerify;
}

function compileRoute(ctx: CompileContext, r: Obj, path: Path): PlanRoute {
  const on = Array.isArray(r.on) ? r.on.map(String) : [];
  const actions: PlanRouteAction[] = [];
  for (const kind of routeActionOrder()) {
    const section = r[kind.type];
    if (!isPlainObject(section)) continue;
    const fields = resolveFields(ctx, routeActions.fieldsOf(kind), section, [...path, kind.type]);
    actions.push({ ...(kind.compile ? kind.compile(fields) : fields), type: kind.type } as PlanRouteAction);
  }
  return {
    on,
    matchers: on.map(routePattern),
    ...(str(r.when) !== undefined ? { when: ctx.expr([...path, 'when'], r.when as string) } : {}),
    actions,
  };
}

export function compileWebhooks(ctx: CompileContext, manifest: Obj): PlanWebhooks | undefined {
  if (!isPlainObject(manifest.webhooks)) return undefined;
  const w = manifest.webhooks;
  const base: Path = ['webhooks'];
  const connection = isPlainObject(w.connection) ? w.connection : undefined;
  const sub = isPlainObject(w.subscribe) && isPlainObject(w.subscribe.request) ? w.subscribe : undefined;
  const unsub = isPlainObject(w.unsubscribe) && isPlainObject(w.unsubscribe.request) ? w.unsubscribe : undefined;
  const connectorHttp = () => compileHttp(ctx, layersFor(manifest, undefined, []));
  return {
    handshakes: compileHandshakes(ctx, w.handshake, [...base, 'handshake']),
    acks: compileAcks(ctx, w.ack, [...base, 'ack']),
    verify: compileVerify(ctx, obj(w.verify), [...base, 'verify']),
    ...(connection ? {
      connection: {
        match: ctx.expr([...base, 'connection', 'match'], String(connection.match)),
        setting: String(connection.setting),
        ...(str(connection.secret) !== undefined ? { secret: ctx.template([...base, 'connection', 'secret'], connection.secret as string) } : {}),
      },
    } : {}),
    ...(str(w.events) !== undefined ? { events: ctx.expr([...base, 'events'], w.events as string) } : {}),
    id: ctx.expr([...base, 'id'], String(w.id)),
    type: ctx.expr([...base, 'type'], String(w.type)),
    routes: (Array.isArray(w.routes) ? w.routes : []).map((r, i) => compileRoute(ctx, obj(r), [...base, 'routes', i])),
    ...(sub ? {
      subscribe: {
        request: compileRequest(ctx, sub.request as Obj, [...base, 'subscribe', 'request']),
        http: connectorHttp(),
        ...(str(sub.id) !== undefined ? { id: ctx.expr([...base, 'subscribe', 'id'], sub.id as string) } : {}),
        ...(str(sub.secret) !== undefined ? { secret: ctx.expr([...base, 'subscribe', 'secret'], sub.secret as string) } : {}),
      },
    } : {}),
    ...(unsub ? { unsubscribe: { request: compileRequest(ctx, unsub.request as Obj, [...base, 'unsubscribe', 'request']), http: connectorHttp() } } : {}),
    subscriptions: Array.isArray(w.subscriptions) ? w.subscriptions.map((s, i) => compileSubscription(ctx, obj(s), [...base, 'subscriptions', i], connectorHttp())) : [],
  };
}

function compileSubscription(ctx: CompileContext, s: Obj, path: Path, http: PlanHttp): PlanSubscription {
  const optExpr = (rel: Path, v: unknown) => (typeof v === 'string' ? ctx.expr([...path, ...rel], v) : undefined);
  const renew = isPlainObject(s.renew) && isPlainObject(s.renew.request) ? s.renew : undefined;
  const unsub = isPlainObject(s.unsubscribe) && isPlainObject(s.unsubscribe.request) ? s.unsubscribe : undefined;
  const lifetime = s.lifetime === undefined ? undefined : parseDuration(s.lifetime);
  const renewExpires = renew ? optExpr(['renew', 'expires_at'], renew.expires_at) : undefined;
  const parts = {
    forEach: optExpr(['for_each'], s.for_each),
    key: optExpr(['key'], s.key),
    id: optExpr(['id'], s.id),
    expiresAt: optExpr(['expires_at'], s.expires_at),
  };
  return {
    name: String(s.name),
    ...Object.fromEntries(Object.entries(parts).filter(([, v]) => v !== undefined)),
    request: compileRequest(ctx, s.request as Obj, [...path, 'request']),
    http,
    ...(lifetime !== undefined ? { lifetimeMs: lifetime } : {}),
    ...(renew ? {
      renew: {
        request: compileRequest(ctx, renew.request as Obj, [...path, 'renew', 'request']),
        beforeMs: parseDuration(renew.before),
        ...(renewExpires ? { expiresAt: renewExpires } : {}),
      },
    } : {}),
    ...(unsub ? { unsubscribe: { request: compileRequest(ctx, unsub.request as Obj, [...path, 'unsubscribe', 'request']) } } : {}),
  };
}
