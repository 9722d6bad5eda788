/** The `webhooks` block → PlanWebhooks: verification defaults filled, route patterns as wildcard matchers. */
import { ConnectorError } from '../core/errors.js';
import { unsafeRegex } from '../lang/regex/safety.js';
import type { Path } from '../manifest/diagnostics.js';
import type { CompileContext } from './compile-context.js';
import { compileHttp, layersFor } from './compile-http.js';
import { compileRequest } from './compile-request.js';
import { durationOr } from '../lang/durations.js';
import { isPlainObject } from '../manifest/extends.js';
import type { PlanRoute, PlanVerify, PlanWebhooks } from './plan.js';
import { wildcard, type WildcardMatcher } from '../core/wildcard.js';

export const DEFAULT_TOLERANCE_MS = 5 * 60_000;
const DEFAULT_SIGNED = '{{raw_body}}';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (isPlainObject(v) ? v : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** `issues.*`: only `*` is special, everything else is literal; matched without a regex. */
export function routePattern(on: string): WildcardMatcher {
  return wildcard(on);
}

/** Signature headers are sender text, matched before anything is verified: only a linear-time pattern may read them. */
function headerPattern(ctx: CompileContext, source: string, path: Path): RegExp {
  const refusal = unsafeRegex(source);
  if (refusal) {
    const location = ctx.loc(path);
    throw new ConnectorError({ kind: 'config', origin: 'manifest', message: `pattern at ${location.path} refused: /${source}/ ${refusal.message}`, location });
  }
  return new RegExp(source);
}

function compileVerify(ctx: CompileContext, v: Obj, path: Path): PlanVerify {
  const type = (str(v.type) ?? 'none') as PlanVerify['type'];
  const sig = isPlainObject(v.signature) ? v.signature : undefined;
  const ts = isPlainObject(v.timestamp) ? v.timestamp : undefined;
  const tolerance = durationOr(v.tolerance ?? ts?.tolerance, DEFAULT_TOLERANCE_MS);
  const signed = str(v.signed) ?? (type === 'hmac' ? DEFAULT_SIGNED : undefined);
  return {
    type,
    algorithm: (str(v.algorithm) as PlanVerify['algorithm'] | undefined) ?? 'sha256',
    ...(str(v.secret) !== undefined ? { secret: ctx.template([...path, 'secret'], v.secret as string) } : {}),
    // Standard Webhooks keys are always `whsec_<base64>`; hmac secrets are raw text unless told.
    secretEncoding: (str(v.secret_encoding) as PlanVerify['secretEncoding'] | undefined) ?? (type === 'standard_webhooks' ? 'whsec' : 'utf8'),
    ...(sig ? {
      signature: {
        header: String(sig.header).toLowerCase(),
        ...(str(sig.prefix) !== undefined ? { prefix: sig.prefix as string } : {}),
        ...(str(sig.pattern) !== undefined ? { pattern: headerPattern(ctx, sig.pattern as string, [...path, 'signature', 'pattern']) } : {}),
        encoding: (str(sig.encoding) as 'hex' | 'base64' | undefined) ?? 'hex',
      },
    } : {}),
    ...(ts ? {
      timestamp: {
        header: String(ts.header).toLowerCase(),
        ...(str(ts.pattern) !== undefined ? { pattern: headerPattern(ctx, ts.pattern as string, [...path, 'timestamp', 'pattern']) } : {}),
        unit: (str(ts.unit) as 's' | 'ms' | undefined) ?? 's',
        toleranceMs: tolerance,
      },
    } : {}),
    ...(signed !== undefined ? { signed: ctx.template([...path, 'signed'], signed) } : {}),
    toleranceMs: tolerance,
  };
}

function compileRoute(ctx: CompileContext, r: Obj, path: Path): PlanRoute {
  const on = Array.isArray(r.on) ? r.on.map(String) : [];
  const upsert = isPlainObject(r.upsert) ? r.upsert : undefined;
  const del = isPlainObject(r.delete) ? r.delete : undefined;
  const sync = isPlainObject(r.sync) ? r.sync : undefined;
  const emit = isPlainObject(r.emit) ? r.emit : undefined;
  return {
    on,
    matchers: on.map(routePattern),
    ...(str(r.when) !== undefined ? { when: ctx.expr([...path, 'when'], r.when as string) } : {}),
    ...(upsert ? { upsert: { stream: String(upsert.stream), record: ctx.expr([...path, 'upsert', 'record'], String(upsert.record)) } } : {}),
    ...(del ? { delete: { stream: String(del.stream), id: ctx.expr([...path, 'delete', 'id'], String(del.id)) } } : {}),
    ...(sync ? { sync: { stream: String(sync.stream) } } : {}),
    ...(emit ? { emit: { event: String(emit.event), ...(str(emit.data) !== undefined ? { data: ctx.expr([...path, 'emit', 'data'], emit.data as string) } : {}) } } : {}),
  };
}

export function compileWebhooks(ctx: CompileContext, manifest: Obj): PlanWebhooks | undefined {
  if (!isPlainObject(manifest.webhooks)) return undefined;
  const w = manifest.webhooks;
  const base: Path = ['webhooks'];
  const handshake = isPlainObject(w.handshake) ? w.handshake : undefined;
  const response = obj(handshake?.response);
  const connection = isPlainObject(w.connection) ? w.connection : undefined;
  const sub = isPlainObject(w.subscribe) && isPlainObject(w.subscribe.request) ? w.subscribe : undefined;
  const unsub = isPlainObject(w.unsubscribe) && isPlainObject(w.unsubscribe.request) ? w.unsubscribe : undefined;
  const connectorHttp = () => compileHttp(ctx, layersFor(manifest, undefined, []));
  return {
    ...(handshake ? {
      handshake: {
        when: ctx.expr([...base, 'handshake', 'when'], String(handshake.when)),
        status: typeof response.status === 'number' ? response.status : 200,
        contentType: str(response.content_type) ?? 'application/json',
        ...(str(response.body) !== undefined ? { body: ctx.expr([...base, 'handshake', 'response', 'body'], response.body as string) } : {}),
        verify: typeof handshake.verify === 'boolean' ? handshake.verify : true,
      },
    } : {}),
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
  };
}
