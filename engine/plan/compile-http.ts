/**
 * Connector `http` merged with an operation's override. Objects (headers, retry,
 * rate_limit, errors) merge key by key so an override can change one setting; pagination
 * replaces whole, since mixing two paginators' fields never means anything. Each field
 * keeps the manifest path it came from, for error locations.
 */
import type { Path } from '../manifest/diagnostics.js';
import type { CompileContext } from './compile-context.js';
import { compilePagination } from './compile-pagination.js';
import { durationOr } from '../lang/durations.js';
import { isPlainObject } from '../core/objects.js';
import type { ErrorKind } from '../core/errors.js';
import type { BodyFormat, PlanErrors, PlanHttp, PlanRateLimit, PlanRetry } from './plan.js';

export interface HttpLayer {
  http: Record<string, unknown>;
  path: Path;
}

export const HTTP_DEFAULTS = {
  timeoutMs: 30_000,
  bodyFormat: 'json' as BodyFormat,
  retry: { statuses: [429, 500, 502, 503, 504], maxAttempts: 3, initialMs: 500, maxMs: 30_000, factor: 2, waitHeaders: ['retry-after'], maxWaitMs: 60_000 },
  rateLimit: { scope: 'connection' as const, resetFormat: 'epoch_seconds' as const },
};

function at(obj: unknown, rel: Path): unknown {
  let cur = obj;
  for (const seg of rel) {
    if (!isPlainObject(cur)) return undefined;
    cur = cur[String(seg)];
  }
  return cur;
}

/** The innermost layer's value at `rel`, with its full manifest path. */
function pick(layers: HttpLayer[], rel: Path): { value: unknown; path: Path } | undefined {
  for (let i = layers.length - 1; i >= 0; i--) {
    const value = at(layers[i].http, rel);
    if (value !== undefined) return { value, path: [...layers[i].path, ...rel] };
  }
  return undefined;
}

const val = (layers: HttpLayer[], rel: Path): unknown => pick(layers, rel)?.value;

function keysAt(layers: HttpLayer[], rel: Path): string[] {
  const keys = new Set<string>();
  for (const l of layers) {
    const v = at(l.http, rel);
    if (isPlainObject(v)) for (const k of Object.keys(v)) keys.add(k);
  }
  return [...keys];
}

function compileHeaders(ctx: CompileContext, layers: HttpLayer[]): PlanHttp['headers'] {
  // Header names are case-insensitive: an override of `accept` replaces `Accept`.
  const byName = new Map<string, PlanHttp['headers'][number]>();
  for (const l of layers) {
    if (!isPlainObject(l.http.headers)) continue;
    for (const [name, v] of Object.entries(l.http.headers)) {
      byName.delete(name.toLowerCase());
      byName.set(name.toLowerCase(), { name, template: ctx.template([...l.path, 'headers', name], String(v)) });
    }
  }
  return [...byName.values()];
}

function compileQuery(ctx: CompileContext, layers: HttpLayer[]): PlanHttp['query'] {
  // Unlike headers, parameter names are case-sensitive: `requestid` and `RequestId` differ.
  const byName = new Map<string, PlanHttp['query'][number]>();
  for (const l of layers) {
    if (!isPlainObject(l.http.query)) continue;
    for (const [name, v] of Object.entries(l.http.query)) {
      byName.delete(name);
      byName.set(name, { name, template: ctx.template([...l.path, 'query', name], String(v)) });
    }
  }
  return [...byName.values()];
}

function compileRateLimit(ctx: CompileContext, layers: HttpLayer[]): PlanRateLimit | undefined {
  if (!keysAt(layers, ['rate_limit']).length) return undefined;
  const v = (k: string) => val(layers, ['rate_limit', k]);
  const per = v('per');
  const budgets = Array.isArray(v('budgets'))
    ? (v('budgets') as unknown[]).filter(isPlainObject).map((b) => ({ requests: b.requests as number, perMs: durationOr(b.per, 0) }))
    : [];
  const bucket = v('bucket');
  const remaining = pick(layers, ['rate_limit', 'remaining']);
  return {
    ...(isPlainObject(bucket) ? { bucket: { size: bucket.size as number, refill: bucket.refill as number, perMs: durationOr(bucket.per, 1000) } } : {}),
    ...(remaining && typeof remaining.value === 'string' ? { remaining: ctx.expr(remaining.path, remaining.value) } : {}),
    ...(v('requests') !== undefined ? { requests: v('requests') as number } : {}),
    ...(per !== undefined ? { perMs: durationOr(per, 0) } : {}),
    ...(budgets.length ? { budgets } : {}),
    ...(v('concurrency') !== undefined ? { concurrency: v('concurrency') as number } : {}),
    scope: (v('scope') as PlanRateLimit['scope']) ?? HTTP_DEFAULTS.rateLimit.scope,
    ...(typeof v('pool') === 'string' ? { pool: v('pool') as string } : {}),
    ...(v('remaining_header') !== undefined ? { remainingHeader: v('remaining_header') as string } : {}),
    ...(v('reset_header') !== undefined ? { resetHeader: v('reset_header') as string } : {}),
    resetFormat: (v('reset_format') as PlanRateLimit['resetFormat']) ?? HTTP_DEFAULTS.rateLimit.resetFormat,
  };
}

function compileRetry(ctx: CompileContext, layers: HttpLayer[]): PlanRetry {
  const d = HTTP_DEFAULTS.retry;
  const v = (...rel: string[]) => val(layers, ['retry', ...rel]);
  const when = pick(layers, ['retry', 'when']);
  const idem = v('idempotency_header');
  const idemQuery = v('idempotency_query');
  return {
    statuses: (v('statuses') as number[] | undefined) ?? [...d.statuses],
    maxAttempts: (v('max_attempts') as number | undefined) ?? d.maxAttempts,
    backoff: {
      initialMs: durationOr(v('backoff', 'initial'), d.initialMs),
      maxMs: durationOr(v('backoff', 'max'), d.maxMs),
      factor: (v('backoff', 'factor') as number | undefined) ?? d.factor,
    },
    waitHeaders: ((v('wait_headers') as string[] | undefined) ?? d.waitHeaders).map((h) => h.toLowerCase()),
    maxWaitMs: durationOr(v('max_wait'), d.maxWaitMs),
    ...(typeof idem === 'string' ? { idempotencyHeader: idem } : {}),
    ...(typeof idemQuery === 'string' ? { idempotencyQuery: idemQuery } : {}),
    ...(v('repeatable') === true ? { repeatable: true } : {}),
    ...(when && typeof when.value === 'string' ? { when: ctx.expr(when.path, when.value) } : {}),
  };
}

function compileErrors(ctx: CompileContext, layers: HttpLayer[]): PlanErrors {
  const out: PlanErrors = { kinds: {} };
  for (const k of ['when', 'message', 'code'] as const) {
    const p = pick(layers, ['errors', k]);
    if (p && typeof p.value === 'string') out[k] = ctx.expr(p.path, p.value);
  }
  for (const code of keysAt(layers, ['errors', 'kinds'])) out.kinds[code] = val(layers, ['errors', 'kinds', code]) as ErrorKind;
  return out;
}

export function compileHttp(ctx: CompileContext, layers: HttpLayer[]): PlanHttp {
  const base = pick(layers, ['base_url']);
  const pagination = pick(layers, ['pagination']);
  const rateLimit = compileRateLimit(ctx, layers);
  return {
    ...(base && typeof base.value === 'string' ? { baseUrl: ctx.template(base.path, base.value) } : {}),
    headers: compileHeaders(ctx, layers),
    query: compileQuery(ctx, layers),
    timeoutMs: durationOr(val(layers, ['timeout']), HTTP_DEFAULTS.timeoutMs),
    bodyFormat: (val(layers, ['body_format']) as BodyFormat | undefined) ?? HTTP_DEFAULTS.bodyFormat,
    ...(rateLimit ? { rateLimit } : {}),
    retry: compileRetry(ctx, layers),
    errors: compileErrors(ctx, layers),
    pagination: compilePagination(ctx, pagination?.value, pagination?.path ?? []),
    ...(!base || (base.path.length === 2 && base.path[0] === 'http') ? { inheritsBaseUrl: true } : {}),
  };
}

/** Layers for an operation: the connector's `http`, then the operation's own. */
export function layersFor(manifest: Record<string, unknown>, override: unknown, overridePath: Path): HttpLayer[] {
  const layers: HttpLayer[] = [];
  if (isPlainObject(manifest.http)) layers.push({ http: manifest.http, path: ['http'] });
  if (isPlainObject(override)) layers.push({ http: override, path: overridePath });
  return layers;
}
