/**
 * `webhooks.handshake` and `webhooks.ack` → the replies the intake declares. Each may be one
 * object (the form every manifest before lists used) or a list tried in order, and compiles
 * to a list either way so the pipeline has one shape to read.
 */
import type { Path } from '../manifest/diagnostics.js';
import type { CompileContext } from './compile-context.js';
import { isPlainObject } from '../core/objects.js';
import type { PlanAck, PlanHandshake, PlanWebhookReply } from './plan.js';

type Obj = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** One object or a list of them, each with the path it came from. */
function entries(value: unknown, path: Path): Array<[Obj, Path]> {
  if (isPlainObject(value)) return [[value, path]];
  if (!Array.isArray(value)) return [];
  return value.flatMap((v, i): Array<[Obj, Path]> => (isPlainObject(v) ? [[v, [...path, i]]] : []));
}

function compileReply(ctx: CompileContext, r: Obj, path: Path, defaultStatus: number): PlanWebhookReply {
  const headers: PlanWebhookReply['headers'] = {};
  if (isPlainObject(r.headers)) {
    for (const [name, v] of Object.entries(r.headers)) {
      if (typeof v === 'string') headers[name.toLowerCase()] = ctx.expr([...path, 'headers', name], v);
    }
  }
  return {
    status: typeof r.status === 'number' ? r.status : defaultStatus,
    contentType: str(r.content_type) ?? 'application/json',
    ...(str(r.body) !== undefined ? { body: ctx.expr([...path, 'body'], r.body as string) } : {}),
    headers,
  };
}

export function compileHandshakes(ctx: CompileContext, value: unknown, path: Path): PlanHandshake[] {
  return entries(value, path).map(([h, at]) => ({
    ...compileReply(ctx, isPlainObject(h.response) ? h.response : {}, [...at, 'response'], 200),
    when: ctx.expr([...at, 'when'], String(h.when)),
    methods: Array.isArray(h.methods) && h.methods.length ? h.methods.map((m) => String(m).toUpperCase()) : ['POST'],
    // Fails closed: only an explicit `false` answers without verifying.
    verify: h.verify !== false,
  }));
}

export function compileAcks(ctx: CompileContext, value: unknown, path: Path): PlanAck[] {
  return entries(value, path).map(([a, at]) => ({
    ...compileReply(ctx, a, at, 200),
    ...(str(a.when) !== undefined ? { when: ctx.expr([...at, 'when'], a.when as string) } : {}),
  }));
}
