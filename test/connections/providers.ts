/**
 * Local servers that speak the providers' documented wire formats for the set-up and
 * environment suites, and a runtime serving connectors written for their ports.
 *
 * - Intuit (QuickBooks Online): the authorize endpoint redirects with `code`, `state` and
 *   `realmId` (the company id); tokens come from a form-encoded POST with HTTP Basic client
 *   auth; the API lives under `/v3/company/{realmId}/…`.
 *   https://developer.intuit.com/app/developer/qbo/docs/develop/authentication-and-authorization/oauth-2.0
 * - Xero: `GET https://api.xero.com/connections` with the access token answers an array of
 *   `{ id, authEventId, tenantId, tenantType, tenantName, createdDateUtc, updatedDateUtc }`;
 *   every API call then names its organisation in the `xero-tenant-id` header.
 *   https://developer.xero.com/documentation/guides/oauth2/auth-flow
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { configureOAuth, oauthFor } from '../../engine/runtime/oauth/context.js';
import { LOCAL_OUTBOUND } from '../outbound/helpers.js';
import { startRuntime, type TestRuntime } from '../runtime/helpers.js';

export interface Received {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface Reply {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface Provider {
  url: string;
  host: string;
  received: Received[];
  stop(): Promise<void>;
}

/** A server answering each request with `handle` (a JSON body unless it is a string). */
export async function startProvider(handle: (r: Received) => Reply | Promise<Reply>): Promise<Provider> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', async () => {
      const u = new URL(req.url ?? '/', 'http://x');
      const r: Received = { method: req.method ?? 'GET', path: u.pathname, query: u.searchParams, headers: req.headers, body };
      received.push(r);
      const reply = await handle(r);
      const status = reply.status ?? 200;
      const headers = { ...(typeof reply.body === 'string' || reply.body === undefined ? {} : { 'content-type': 'application/json' }), ...reply.headers };
      res.writeHead(status, headers);
      res.end(reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    received,
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}

let codes = 0;

/** The authorize endpoint of an authorization server that approves at once: 302 to the redirect URI. */
export function approve(r: Received, extra: Record<string, string> = {}): Reply {
  const back = new URL(r.query.get('redirect_uri')!);
  back.searchParams.set('code', `code-${++codes}`);
  back.searchParams.set('state', r.query.get('state')!);
  for (const [k, v] of Object.entries(extra)) back.searchParams.set(k, v);
  return { status: 302, headers: { location: back.toString() } };
}


export const RETURN = 'https://host.example/done';

export interface SetupRuntime extends TestRuntime {
  /** authorize → provider → callback; the return URL the user lands on. */
  consent(connector: string, q?: Record<string, string>, tenant?: string): Promise<URL>;
  connectorsDir: string;
}

/**
 * A runtime over a connectors directory of the given manifests, with an operator OAuth app
 * for each OAuth connector (client `client-<id>`, secret `secret-<id>`).
 */
export async function startSetupRuntime(manifests: Record<string, string>, oauthConnectors: string[] = []): Promise<SetupRuntime> {
  const dir = mkdtempSync(path.join(tmpdir(), 'patchbay-setup-'));
  for (const [id, yaml] of Object.entries(manifests)) {
    mkdirSync(path.join(dir, id), { recursive: true });
    writeFileSync(path.join(dir, id, 'connector.yaml'), yaml);
  }
  const rt = await startRuntime({ connectorsDir: dir, allowBaseUrlOverride: false, rateLimit: false });
  const services = rt.running.app.runtime.services;
  configureOAuth(services, { outbound: LOCAL_OUTBOUND, logger: rt.logger, env: {} });
  for (const id of oauthConnectors) {
    await oauthFor(services).apps.set(id, { clientId: `client-${id}`, clientSecret: `secret-${id}`, returnUrls: [RETURN] });
  }
  const close = rt.close;
  return {
    ...rt,
    connectorsDir: dir,
    async consent(connector, q = {}, tenant = 'acme') {
      const p = new URLSearchParams({ tenant, connection_name: 'main', return_url: RETURN, ...q });
      const start = await rt.call('GET', `/v1/oauth/${connector}/authorize?${p}`, { key: rt.adminKey, redirect: 'manual' });
      if (start.status !== 302) throw new Error(`authorize answered ${start.status}: ${start.text}`);
      const provider = await fetch(start.headers.get('location')!, { redirect: 'manual' });
      if (provider.status !== 302) throw new Error(`provider answered ${provider.status}`);
      const back = await rt.call('GET', provider.headers.get('location')!, { redirect: 'manual' });
      if (back.status !== 302) throw new Error(`callback answered ${back.status}: ${back.text}`);
      return new URL(back.headers.get('location')!);
    },
    async close() {
      await close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
