/**
 * Shared by the OAuth suites: a connector whose endpoints all live on a local
 * `oauth2-mock-server` (a real authorization server: authorize redirect, code exchange with
 * PKCE S256, refresh_token grant, userinfo), and a real runtime serving it.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Writable } from 'node:stream';
import { createLogger } from '../../engine/log.js';
import { OAuth2Server } from 'oauth2-mock-server';
import { startServer, type RunningServer, type ServerOptions } from '../../engine/runtime/server.js';
import { configureOAuth, type OAuthRuntimeOptions } from '../../engine/runtime/oauth/context.js';
import type { OutboundPolicy } from '../../engine/runtime/outbound-guard.js';

export const CONNECTOR_ID = 'mockidp';

export const MANIFEST = `
patchbay: 1
id: ${CONNECTOR_ID}
name: Mock identity provider
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
      scopes: [openid, profile]
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
  const adminKey = `admin-${randomBytes(24).toString('base64url')}`;
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      logs.push(...String(chunk).split('\n').filter((l) => l.trim()));
      done();
    },
  });
  const logger = createLogger({ level: 'debug', destination });
  const running = await startServer({
    port: 0,
    host: '127.0.0.1',
    database: `sqlite:${path.join(dir, 'runtime.db')}`,
    connectorsDir: writeConnectors(dir),
    secretKeys: `test:${randomBytes(32).toString('base64')}`,
    adminKey,
    outbound: opts.outbound,
    workers: false,
    bootstrapAdminKey: false,
    rateLimit: false,
    validateResponses: true,
    print: () => undefined,
    logger,
    ...opts.server,
  });
  configureOAuth(running.app.runtime.services, { outbound: opts.outbound, env: {}, logger, ...opts.oauth });
  const keys = new Map<string, string>();
  return {
    url: running.url,
    running,
    adminKey,
    dir,
    logs,
    async keyFor(tenant) {
      if (!keys.has(tenant)) keys.set(tenant, (await running.app.runtime.services.keys.create({ tenant })).key);
      return keys.get(tenant)!;
    },
    async get(urlOrPath, key) {
      const url = urlOrPath.startsWith('http') ? urlOrPath : `${running.url}${urlOrPath}`;
      const headers: Record<string, string> = {};
      if (key !== null) headers.authorization = `Bearer ${key ?? adminKey}`;
      const res = await fetch(url, { redirect: 'manual', headers });
      const text = await res.text();
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = text;
      }
      return { status: res.status, location: res.headers.get('location'), body };
    },
    async close() {
      await running.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
