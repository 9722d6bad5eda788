/**
 * A shared token instead of a signature: the sender puts the secret itself in a header
 * (`X-…-Token`), a query parameter, or a body field (a client state the subscriber chose,
 * on every notification of a batch). Compared in constant time against the
 * secret and any `accept` alternates, so a token can be rotated without refusing deliveries
 * signed with the old one while senders move over.
 */
import type { CompiledTemplate } from '../../lang/template.js';
import type { VerifyResult } from '../../core/webhook.js';
import { literal, schemaOf, secret } from '../kit.js';
import { requireSecret, SECRET_ROOTS, safeEqual } from './common.js';
import { defineVerifier, type VerifyInput, type VerifyPlanBase } from './protocol.js';

export interface TokenVerify extends VerifyPlanBase {
  type: 'token';
  header?: string;
  query?: string;
  /** Dotted path into the parsed body; through a list, every member must carry the token. */
  bodyField?: string[];
  accept?: Record<string, CompiledTemplate>;
}

/** Every value at a dotted path, lists walked member by member; undefined when any is missing. */
function valuesAt(body: unknown, path: string[]): string[] | undefined {
  let cur: unknown[] = [body];
  for (const key of path) {
    const next: unknown[] = [];
    for (const v of cur) {
      const items = Array.isArray(v) ? v : [v];
      for (const item of items) {
        if (item === null || typeof item !== 'object' || Array.isArray(item) || !Object.hasOwn(item, key)) return undefined;
        next.push((item as Record<string, unknown>)[key]);
      }
    }
    cur = next;
  }
  if (cur.length === 0 || cur.length > 1000 || !cur.every((v) => typeof v === 'string' && v !== '')) return undefined;
  return cur as string[];
}

function sent(spec: TokenVerify, input: VerifyInput): string[] | undefined {
  if (spec.header !== undefined) {
    const v = input.headers[spec.header];
    return v ? [v] : undefined;
  }
  if (spec.query !== undefined) {
    let v: string | null = null;
    try {
      v = new URL(input.url, 'http://placeholder.invalid').searchParams.get(spec.query);
    } catch {
      return undefined;
    }
    return v ? [v] : undefined;
  }
  return spec.bodyField ? valuesAt(input.body, spec.bodyField) : undefined;
}

function rendered(t: CompiledTemplate | undefined, input: VerifyInput): string | undefined {
  if (!t) return undefined;
  try {
    const s = t.render(input.connection);
    return s === '' ? undefined : s;
  } catch {
    return undefined;
  }
}

export const tokenVerifier = defineVerifier({
  type: 'token',
  description: 'The secret itself, sent in a header, a query parameter or a body field; compared in constant time. Set exactly one of `header`, `query`, `body_field`.',
  requires: ['secret'],
  fields: {
    header: literal({ schema: schemaOf<string>({ type: 'string' }), description: 'Header carrying the token, e.g. `X-Webhook-Token`.', normalize: (v) => String(v).toLowerCase() }),
    query: literal({ schema: schemaOf<string>({ type: 'string' }), description: 'Query parameter carrying the token.' }),
    body_field: literal({
      schema: schemaOf<string>({ type: 'string', pattern: '^[A-Za-z0-9_$-]+(\\.[A-Za-z0-9_$-]+)*$' }),
      description: 'Dotted path of a body field carrying the token, e.g. `value.clientState`; through a list, every member must carry a valid token.',
      normalize: (v) => String(v).split('.'),
    }),
    accept: secret({
      description: 'Further tokens valid at the same time, by name, e.g. `{ previous: "{{credentials.previous_token}}" }` while a token is rotated; one that renders empty is ignored. Values are Handlebars templates.',
      map: true,
      roots: SECRET_ROOTS,
      context: 'webhook secret',
    }),
  },
  check(block, report) {
    const set = ['header', 'query', 'body_field'].filter((k) => block[k] !== undefined);
    if (set.length !== 1) {
      report({
        path: [], which: 'key', code: 'invalid-format',
        message: set.length === 0 ? 'a token verification needs where the token is: `header`, `query` or `body_field`' : `set only one of \`header\`, \`query\`, \`body_field\` (found ${set.map((k) => `\`${k}\``).join(', ')})`,
      });
    }
  },
  compile: (f) => ({
    ...(f.header !== undefined ? { header: f.header } : {}),
    ...(f.query !== undefined ? { query: f.query } : {}),
    ...(f.body_field !== undefined ? { bodyField: f.body_field as unknown as string[] } : {}),
    ...(f.accept !== undefined ? { accept: f.accept } : {}),
  }),
  summary: (spec: TokenVerify) => ({ token_in: spec.header !== undefined ? 'header' : spec.query !== undefined ? 'query' : 'body', token_name: spec.header ?? spec.query ?? spec.bodyField?.join('.') }),
  // A body field is the sender's payload, not something signing adds: the case's body carries it.
  sign(spec: TokenVerify, input) {
    const token = requireSecret(spec, input);
    if (spec.header !== undefined) return { headers: { [spec.header]: token } };
    if (spec.query !== undefined) return { headers: {}, query: { [spec.query]: token } };
    return { headers: {} };
  },
  verify(spec: TokenVerify, input): VerifyResult {
    const valid = [rendered(spec.secret, input), ...Object.values(spec.accept ?? {}).map((t) => rendered(t, input))]
      .filter((s): s is string => s !== undefined)
      .map((s) => Buffer.from(s, 'utf8'));
    if (valid.length === 0) return { ok: false, reason: 'no_secret' };
    const tokens = sent(spec, input);
    if (!tokens) return { ok: false, reason: 'missing_signature' };
    for (const t of tokens) {
      const b = Buffer.from(t, 'utf8');
      // Compare against every valid token, match or not, so timing says nothing of which matched.
      let ok = false;
      for (const v of valid) if (safeEqual(b, v)) ok = true;
      if (!ok) return { ok: false, reason: 'bad_signature' };
    }
    return { ok: true };
  },
});
