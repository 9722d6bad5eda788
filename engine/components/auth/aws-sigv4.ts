/**
 * `aws_sigv4`: AWS Signature Version 4 (HMAC-SHA256 over the canonical request), as the
 * `Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…` header with
 * `X-Amz-Date` (and `X-Amz-Security-Token` for temporary credentials). Signing is done by
 * the `aws4` package.
 *
 * What is signed is what goes on the wire: `apply` runs on each attempt's request after every
 * header, query pair and idempotency key is in place, and the body is encoded here with the
 * same `encodeBody` the sender uses (a pure function of method, body and body format), so the
 * signed bytes are the sent bytes. The content type the sender would add is set here so it is
 * signed too; `accept` (added by the sender when absent) stays unsigned, which SigV4 allows.
 */
import aws4 from 'aws4';
import { secret, template } from '../kit.js';
import { ConnectorError } from '../../core/errors.js';
import { buildUrl, encodeBody } from '../../core/encode.js';
import { declaredTemplate, liveContext, liveCredential, methodTemplate, renderCredential } from './common.js';
import { defineAuth } from './types.js';

export const awsSigV4Strategy = defineAuth({
  type: 'aws_sigv4',
  signsRequest: true,
  description: 'AWS Signature Version 4: each request is signed with an access key pair for a region and service.',
  fields: {
    access_key: secret({ description: 'Access key id; default `{{credentials.access_key}}`', default: '{{credentials.access_key}}' }),
    secret_key: secret({ description: 'Secret access key; default `{{credentials.secret_key}}`', default: '{{credentials.secret_key}}' }),
    session_token: secret({ description: 'Session token of temporary credentials, sent as `X-Amz-Security-Token` when it renders non-empty.' }),
    region: template({ description: 'Signing region, e.g. `us-east-1` or `{{config.region}}`.', required: true }),
    service: template({ description: 'Signing service name, e.g. `execute-api`.', required: true }),
  },
  summary: (m) => ({ region: m.templates.region?.source, service: m.templates.service?.source }),
  async apply(req, ctx) {
    const { method } = ctx;
    const accessKeyId = liveCredential(ctx, 'access_key', 'access_key');
    const secretAccessKey = liveCredential(ctx, 'secret_key', 'secret_key');
    ctx.addSecret?.(secretAccessKey);
    const tctx = liveContext(ctx);
    const region = renderCredential(declaredTemplate(method, 'region'), tctx, 'region', method);
    const service = renderCredential(declaredTemplate(method, 'service'), tctx, 'service', method);
    const tokenTemplate = methodTemplate(method, 'session_token');
    let sessionToken: string | undefined;
    if (tokenTemplate) {
      try {
        sessionToken = tokenTemplate.render(tctx) || undefined;
      } catch (err) {
        throw new ConnectorError({ kind: 'config', origin: 'manifest', message: `auth method ${method.name}: session_token template failed: ${(err as Error).message}` });
      }
      if (sessionToken) ctx.addSecret?.(sessionToken);
    }

    let url: URL;
    try {
      url = new URL(buildUrl(req));
    } catch {
      throw new ConnectorError({ kind: 'config', origin: 'manifest', message: `auth method ${method.name}: aws_sigv4 needs an absolute request URL` });
    }
    const encoded = encodeBody(req);
    if (encoded.contentType && !req.headers['content-type']) req.headers['content-type'] = encoded.contentType;
    // aws4 skips a canonical header it finds under another case: drop a stale signature or date first.
    const headers: Record<string, string> = { ...req.headers, host: url.host };
    delete headers.authorization;
    const signed = aws4.sign(
      { method: req.method, host: url.host, path: `${url.pathname}${url.search}`, headers, body: encoded.body ?? '', region, service },
      { accessKeyId, secretAccessKey, sessionToken },
    );
    for (const [name, value] of Object.entries(signed.headers ?? {})) {
      if (value === undefined) continue;
      req.headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    }
  },
});
