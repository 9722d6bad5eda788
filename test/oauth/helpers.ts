/**
 * Shared by the OAuth suites: a connector whose endpoints all live on a local
 * `oauth2-mock-server` (a real authorization server: authorize redirect, code exchange with
 * PKCE S256, refresh_token grant, userinfo), and a real runtime serving it.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { IncomingMessage } from 'node:http';
import { OAuth2Server } from 'oauth2-mock-server';
import type { RunningServer, ServerOptions } from '../../engine/runtime/server.js';
import { configureOAuth, type OAuthRuntimeOptions } from '../../engine/runtime/oauth/context.js';
import type { OutboundPolicy } from '../../engine/run/http/outbound-guard.js';
import { startRuntime } from '../runtime/helpers.js';

export const CONNECTOR_ID = 'mockidp';

/** The head of an oauth2 manifest whose endpoints live under the `issuer` config: the suites add scopes and the rest. */
export function oauthManifestHead(id: string, name: string): string {
  return `
patchbay: 1
id: ${id}
name: ${name}
config:
  type: object
  required: [issuer]
  properties:
    issuer: { type: string, title: Issuer URL }
auth:
  default: oauth
  methods:
    oauth:
      type: oauth2
      authorize_url: '{{config.issuer}}/authorize'
      token_url: '{{config.issuer}}/token'
`;
}

export const MANIFEST = `${oauthManifestHead(CONNECTOR_ID, 'Mock identity provider')}      scopes: [openid, profile]
      authorize_params:
        audience: patchbay-tests
      settings:
        team_id: team.id
        granted_scope: scope
      credentials:
        type: object
        properties:
          access_token: { type: string }
          refresh_token: { type: string }
          expires_at: { type: [string, number] }
          client_id: { type: string }
          client_secret: { type: string }
    legacy:
      type: oauth2
      authorize_url: '{{config.issuer}}/authorize'
      token_url: '{{config.issuer}}/token'
      scopes: [read, write]
      scope_separator: ","
      pkce: false
      client_auth: basic
    token:
      type: bearer
http:
  base_url: '{{config.issuer}}'
  retry: { max_attempts: 1 }
check:
  request: { path: /userinfo }
  output: "{ 'sub': sub }"
actions:
  whoami:
    request: { path: /userinfo }
    output: "$"
`;

export function writeConnectors(dir: string): string {
  const root = path.join(dir, 'connectors');
  mkdirSync(path.join(root, CONNECTOR_ID), { recursive: true });
  writeFileSync(path.join(root, CONNECTOR_ID, 'connector.yaml'), MANIFEST);
  return root;
}

export interface TokenCall {
  body: Record<string, string>;
  authorization?: string;
  response: Record<string, unknown>;
  status: number;
}

export interface MockIdp {
  server: OAuth2Server;
  /** `http://127.0.0.1:<port>` (the mock names itself `localhost`). */
  url: string;
  port: number;
  tokenCalls: TokenCall[];
  /** Authorization headers the userinfo endpoint (the connector's check) received. */
  userinfo: string[];
  /** Extra fields merged into every token response. */
  extraTokenFields: Record<string, unknown>;
  stop(): Promise<void>;
}

export async function startMockIdp(): Promise<MockIdp> {
  const server = new OAuth2Server();
  await server.issuer.keys.generate('RS256');
  await server.start(0, '127.0.0.1');
  const port = server.address().port;
  const idp: MockIdp = {
    server,
    url: `http://127.0.0.1:${port}`,
    port,
    tokenCalls: [],
    userinfo: [],
    extraTokenFields: { team: { id: 'T-42', name: 'Acme' } },
    stop: () => server.stop(),
  };
  server.service.on('beforeResponse', (res: { body: any; statusCode: number }, req: IncomingMessage & { body: Record<string, string> }) => {
    if (res.statusCode === 200 && typeof res.body === 'object') Object.assign(res.body, idp.extraTokenFields);
    idp.tokenCalls.push({ body: { ...req.body }, authorization: req.headers.authorization, response: res.body, status: res.statusCode });
  });
  server.service.on('beforeUserinfo', (_res: unknown, req: IncomingMessage) => {
    idp.userinfo.push(String(req.headers.authorization ?? ''));
  });
  return idp;
}

export interface OAuthTestRuntime {
  url: string;
  running: RunningServer;
  adminKey: string;
  dir: string;
  /** Every log line the runtime wrote. */
  logs: string[];
  keyFor(tenant: string): Promise<string>;
  /** GET with the admin key (or `key`), never following redirects. */
  get(urlOrPath: string, key?: string | null): Promise<{ status: number; location: string | null; body: any }>;
  close(): Promise<void>;
}

export async function startOAuthRuntime(opts: { outbound?: OutboundPolicy; oauth?: OAuthRuntimeOptions; server?: Partial<ServerOptions> } = {}): Promise<OAuthTestRuntime> {
  const dir = mkdtempSync(path.join(tmpdir(), 'patchbay-oauth-'));
  // The suites assert the default outbound guard and no base URL override, unlike startRuntime's.
  const rt = await startRuntime(
    { connectorsDir: writeConnectors(dir), outbound: opts.outbound, allowBaseUrlOverride: false, rateLimit: false, ...opts.server },
    'debug',
  );
  configureOAuth(rt.running.app.runtime.services, { outbound: opts.outbound, env: { PATCHBAY_OAUTH_MOCKIDP_HOSTS: '127.0.0.1' }, logger: rt.logger, ...opts.oauth });
  return {
    url: rt.url,
    running: rt.running,
    adminKey: rt.adminKey,
    dir,
    logs: rt.rawLogs,
    keyFor: rt.keyFor,
    async get(urlOrPath, key) {
      const res = await rt.call('GET', urlOrPath, { key: key === null ? undefined : key ?? rt.adminKey, redirect: 'manual' });
      // Pages that are not JSON (the provider's consent page) come back as their text.
      return { status: res.status, location: res.headers.get('location'), body: res.body === undefined && res.text ? res.text : res.body };
    },
    async close() {
      await rt.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
