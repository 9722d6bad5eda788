/**
 * What the schema cannot see in `webhooks.handshake` and `webhooks.ack`: entries a list can
 * never reach, a handshake that would swallow every delivery, a body on a status that has
 * none, a string literal sent JSON-encoded, and a verified GET handshake under a scheme
 * that signs bodies (providers do not sign the challenges they send by GET).
 */
import { isPlainObject } from '../../core/objects.js';
import { verifiers } from '../../components/verify/registry.js';
import type { Path } from '../diagnostics.js';
import type { Check, CheckContext } from './types.js';

type Obj = Record<string, unknown>;

/** One object or a list, each with its path (the compiler's reading). */
function entries(value: unknown, path: Path): Array<[Obj, Path]> {
  if (isPlainObject(value)) return [[value, path]];
  if (!Array.isArray(value)) return [];
  return value.flatMap((v, i): Array<[Obj, Path]> => (isPlainObject(v) ? [[v, [...path, i]]] : []));
}

const always = (when: unknown) => when === undefined || (typeof when === 'string' && when.trim() === 'true');
const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\b/i;
const STRING_LITERAL = /^\s*(?:'[^']*'|"[^"]*")\s*$/;
const NO_BODY = new Set([204, 205, 304]);

function methodsOf(h: Obj): string[] {
  return Array.isArray(h.methods) && h.methods.length ? h.methods.map((m) => String(m).toUpperCase()) : ['POST'];
}

function replyBody(ctx: CheckContext, reply: Obj, path: Path): void {
  if (reply.body === undefined) return;
  if (typeof reply.status === 'number' && NO_BODY.has(reply.status)) {
    ctx.report({
      path: [...path, 'body'], which: 'key', code: 'reply-body-not-sent',
      message: `a ${reply.status} reply has no body, so this \`body\` is never sent`,
      hint: 'drop `body`, or answer 200 with it',
    });
  }
  const type = typeof reply.content_type === 'string' ? reply.content_type : 'application/json';
  if (typeof reply.body === 'string' && STRING_LITERAL.test(reply.body) && JSON_TYPE.test(type)) {
    ctx.report({
      path: [...path, 'body'], code: 'reply-string-as-json', severity: 'warning',
      message: `this string is sent JSON-encoded (with quotes) because the content type is ${type}`,
      hint: 'set `content_type` to what the provider reads, e.g. `text/plain` or `text/xml`',
    });
  }
}

function handshakes(ctx: CheckContext, webhooks: Obj): void {
  const list = entries(webhooks.handshake, ['webhooks', 'handshake']);
  const verify = isPlainObject(webhooks.verify) ? verifiers.get(webhooks.verify.type) : undefined;
  const covered = new Set<string>();
  for (const [h, at] of list) {
    const methods = methodsOf(h);
    if (methods.every((m) => covered.has(m))) {
      ctx.report({
        path: at, which: 'key', code: 'reply-unreachable', severity: 'warning',
        message: `an earlier handshake answers every ${methods.join(' and ')} request, so this one never runs`,
        hint: 'give the earlier one a `when`, or put this one first',
      });
    }
    if (always(h.when)) {
      if (methods.includes('POST')) {
        ctx.report({
          path: [...at, 'when'], code: 'handshake-catches-all',
          message: 'this handshake answers every POST, so no delivery ever reaches the routes',
          hint: 'say what the challenge looks like, e.g. `body.type = "url_verification"` or `$exists(query.validationToken)`',
        });
      }
      for (const m of methods) covered.add(m);
    }
    if (methods.includes('GET') && h.verify !== false && verify?.signsBody) {
      ctx.report({
        path: [...at, 'methods'], code: 'handshake-get-signed', severity: 'warning',
        message: `a GET handshake is verified with \`${String((webhooks.verify as Obj).type)}\`, which signs bodies; providers do not sign GET challenges, so it would be refused`,
        hint: 'set `verify: false` and check the provider\'s token in `when`, e.g. `query."hub.verify_token" = secrets.verify_token`',
      });
    }
    if (isPlainObject(h.response)) replyBody(ctx, h.response, [...at, 'response']);
  }
}

function acks(ctx: CheckContext, webhooks: Obj): void {
  let catchAll = false;
  for (const [a, at] of entries(webhooks.ack, ['webhooks', 'ack'])) {
    if (catchAll) {
      ctx.report({
        path: at, which: 'key', code: 'reply-unreachable', severity: 'warning',
        message: 'an earlier acknowledgement has no `when` (or `when: true`), so this one is never sent',
        hint: 'give the earlier one a `when`, or put this one first',
      });
    }
    if (always(a.when)) catchAll = true;
    replyBody(ctx, a, at);
  }
}

export const webhookReplies: Check = {
  name: 'webhook-replies',
  run(ctx) {
    const webhooks = ctx.manifest.webhooks;
    if (!isPlainObject(webhooks)) return;
    handshakes(ctx, webhooks);
    acks(ctx, webhooks);
  },
};
