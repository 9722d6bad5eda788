/**
 * Token revocation (RFC 7009, https://www.rfc-editor.org/rfc/rfc7009#section-2.1): a form
 * POST of `token` and `token_type_hint` to the method's `revoke_url`, the client
 * authenticated as at the token endpoint. The refresh token is revoked when there is one
 * (the server then drops the grant's access tokens too, §2.1), else the access token. The
 * server answers 200 also for a token it no longer knows (§2.2), so only a failure to reach
 * it or a 5xx/429 (§2.2.1 `503`) is worth trying again.
 */
import { ConnectorError } from '../../core/errors.js';
import { collectSecrets, redact } from '../../core/redact.js';
import { liveContext, methodTemplate } from './common.js';
import { pinnedRule, hostRefusal } from './oauth2-hosts.js';
import { clientOf } from './oauth2-token.js';
import type { AuthContext } from './types.js';

const REVOKE_TIMEOUT_MS = 30_000;

const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

/** False when the method declares no `revoke_url` or holds no token; throws when the server refuses. */
export async function revokeToken(ctx: AuthContext): Promise<boolean> {
  const template = methodTemplate(ctx.method, 'revoke_url');
  if (!template) return false;
  const tctx = liveContext(ctx);
  const refresh = text(tctx.credentials?.refresh_token);
  const access = text(tctx.credentials?.access_token);
  const token = refresh ?? access;
  if (!token) return false;
  const url = template.render(tctx);
  if (!url) throw new ConnectorError({ kind: 'config', origin: 'manifest', message: `auth method ${ctx.method.name}: revoke_url renders empty` });
  const pinned = pinnedRule(ctx.connection.connector, tctx.settings);
  const refused = pinned && hostRefusal(pinned, 'revoke_url', url);
  if (refused) throw refused;
  const client = clientOf(tctx);
  const form: Record<string, string> = { token, token_type_hint: refresh ? 'refresh_token' : 'access_token' };
  const headers: Record<string, string> = { accept: 'application/json' };
  if (ctx.method.spec.client_auth === 'basic' && client.id) {
    const enc = (s: string) => new URLSearchParams([['', s]]).toString().slice(1);
    headers.authorization = `Basic ${Buffer.from(`${enc(client.id)}:${enc(client.secret ?? '')}`).toString('base64')}`;
  } else {
    if (client.id) form.client_id = client.id;
    if (client.secret) form.client_secret = client.secret;
  }
  const secrets = collectSecrets({ credentials: { ...tctx.credentials, client_secret: client.secret } }, [headers.authorization ?? '']);
  const res = await ctx.http.send({ method: 'POST', url, query: [], headers, body: form, bodyFormat: 'form' }, { timeoutMs: REVOKE_TIMEOUT_MS });
  if (res.status >= 200 && res.status < 300) return true;
  const body = (res.body && typeof res.body === 'object' ? res.body : {}) as Record<string, unknown>;
  const code = text(body.error);
  const description = text(body.error_description);
  throw new ConnectorError({
    kind: res.status === 429 ? 'rate_limited' : res.status >= 500 ? 'server' : 'client',
    origin: 'provider',
    message: `OAuth token revocation failed with HTTP ${res.status}${code ? `: ${code}` : ''}${description ? ` (${redact(description, secrets)})` : ''}`,
    status: res.status,
    providerCode: code,
    providerMessage: description ? redact(description, secrets) : undefined,
    retryable: res.status >= 500 || res.status === 429,
    request: { method: 'POST', url: redact(url, secrets) },
  });
}
