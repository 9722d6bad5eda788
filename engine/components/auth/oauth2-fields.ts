/**
 * The manifest fields of `oauth2`, beside its strategy (oauth2.ts) because they are many:
 * the flow, token and host modules read them too, by these names.
 */
import { expression, literal, object, schemaOf, secret, template } from '../kit.js';
import { parseDuration } from '../../lang/durations.js';

const text = (description: string) => literal({ schema: schemaOf<string>({ type: 'string' }), description });
const HOST = '^(\\*\\.)?([A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*|\\[[0-9A-Fa-f:.]+\\])(:[0-9]{1,5})?$';

export const OAUTH2_FIELDS = {
  grant: literal({
    schema: schemaOf<'authorization_code' | 'client_credentials'>({ enum: ['authorization_code', 'client_credentials'] }),
    description: 'Grant type.',
    default: 'authorization_code',
  }),
  authorize_url: template({ description: 'Authorization endpoint (authorization_code only)' }),
  token_url: template({ description: 'Token endpoint', required: true }),
  refresh_url: template({ description: 'Refresh endpoint when it differs from token_url' }),
  revoke_url: template({ description: 'Token revocation endpoint (RFC 7009): on disconnect the refresh token (else the access token) is revoked there, retried in the background while the server is down' }),
  hosts: literal({
    schema: schemaOf<string[]>({ type: 'array', items: { type: 'string', pattern: HOST } }),
    description: "Hosts the operator's OAuth app may be sent to when the OAuth URLs depend on config (`example.com`, `*.example.com`: `*` is one DNS label, `:port` optional). Default: the hosts the URLs give with an empty config. Other hosts need the tenant's own OAuth app or the operator's `PATCHBAY_OAUTH_<CONNECTOR>_HOSTS`.",
  }),
  issuer: template({ description: "The authorization server's issuer identifier (RFC 9207): the callback must carry this `iss`, else the consent is refused" }),
  callback_signature: object({
    optional: true,
    description:
      "A signature the provider puts on the authorization callback's query, checked before the code is exchanged: HMAC of the other parameters (the signature parameter left out), sorted by name and form-encoded as `k=v&k2=v2`. A callback without it, or with a wrong one, is refused (`invalid_callback_signature`).",
    fields: {
      param: literal({ schema: schemaOf<string>({ type: 'string', minLength: 1 }), description: 'Query parameter holding the signature, e.g. `hmac`.', required: true }),
      secret: template({
        description: "The HMAC key, e.g. `{{app.client_secret}}` (the OAuth app's client secret); sees `config`, `environment` and `app`",
        required: true,
        roots: ['config', 'environment', 'app'],
        context: 'an OAuth callback signature',
      }),
      algorithm: literal({ schema: schemaOf<'sha256' | 'sha512'>({ enum: ['sha256', 'sha512'] }), description: 'Hash; default sha256.', default: 'sha256' }),
      encoding: literal({ schema: schemaOf<'hex' | 'base64'>({ enum: ['hex', 'base64'] }), description: 'Encoding of the signature; default hex.', default: 'hex' }),
      exclude: literal({ schema: schemaOf<string[]>({ type: 'array', items: { type: 'string' } }), description: 'Further parameters left out of the signed text besides `param` (a second signature parameter).' }),
    },
  }),
  scopes: literal({ schema: schemaOf<string[]>({ type: 'array', items: { type: 'string' } }), description: 'Scopes requested.' }),
  scope_separator: text('How scopes are joined; default a space.'),
  pkce: literal({ schema: schemaOf<boolean>({ type: 'boolean' }), description: 'Use PKCE (S256). Default true.', default: true }),
  client_auth: literal({ schema: schemaOf<'body' | 'basic'>({ enum: ['body', 'basic'] }), description: 'How the client authenticates at the token endpoint.', default: 'body' }),
  authorize_params: template({ description: 'Extra query parameters on the authorize URL.', map: true }),
  token_params: template({ description: 'Extra form parameters sent to the token endpoint.', map: true }),
  token: secret({ description: 'The access token to send; default `{{credentials.access_token}}`', default: '{{credentials.access_token}}' }),
  header: text('Header name for the token; default `Authorization`.'),
  scheme: text('Scheme word before the token; default `Bearer`.'),
  refresh: literal({
    schema: schemaOf<boolean>({ type: 'boolean' }),
    description: 'Refresh the access token with the refresh token when it nears expiry or a request gets 401. Default true.',
    default: true,
  }),
  refresh_skew: literal({
    schema: schemaOf<number>({ $ref: '#/$defs/duration' }),
    description: 'Refresh when the token expires within this long; default 60s.',
    default: '60s',
    normalize: parseDuration,
  }),
  token_fields: object({
    description: 'Where the token response keeps its values when it is not the RFC 6749 shape (JSONata over the token response).',
    fields: {
      access_token: expression({ description: 'Access token; default `access_token`', default: 'access_token' }),
      refresh_token: expression({ description: 'Refresh token; default `refresh_token`', default: 'refresh_token' }),
      expires_in: expression({ description: 'Seconds until expiry; default `expires_in`', default: 'expires_in' }),
      scope: expression({ description: 'Granted scopes; default `scope`', default: 'scope' }),
    },
  }),
  error_when: expression({ description: 'Treat a 200 token response as failed when true (some providers answer 200 with an error body), e.g. `ok = false`' }),
  settings: expression({
    description: 'Connection settings copied from the token response: setting name → JSONata over the response, e.g. `instance_url: instance_url`.',
    map: true,
  }),
};
