/**
 * `check.settings` route connector-level webhooks by what the check's answer says, so the
 * answer must come from the provider. A manifest whose check origin a tenant chooses is
 * refused at validate time; a tenant's config value that would move a templated host off
 * the provider's domain (`127.0.0.1:PORT/#`, the part after `#` being dropped) stops the
 * check before any request, so the tenant's own server never gets to "prove" an account.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine } from '../../engine/run/engine.js';
import { compileSource } from '../../engine/plan/index.js';
import { proofHost, reachesProofHost } from '../../engine/manifest/proof-origin.js';
import { startServer, type TestServer } from '../paginate/helpers.js';
import { compile, failure } from '../engine/helpers.js';

const manifest = (baseUrl: string) => `
patchbay: 1
id: demo
name: Demo
config:
  type: object
  properties:
    shop: { type: string }
    api_url: { type: string }
auth: { type: bearer, token: "{{credentials.token}}" }
http: { base_url: "${baseUrl}" }
check:
  request: { path: /account }
  settings:
    account_id: id
`;

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('where a check may prove an account from', () => {
  it('refuses check.settings when the tenant chooses the whole origin, placed on check.settings', () => {
    for (const base of ['{{config.api_url}}', '{{default config.api_url \\"https://api.example.com\\"}}', 'https://{{config.shop}}', 'https://api.{{config.shop}}', 'https://{{config.shop}}.com']) {
      const { diagnostics } = compileSource(manifest(base), '/virtual/connectors/demo/connector.yaml');
      const d = diagnostics.find((x) => x.code === 'unprovable-settings');
      expect(d, base).toMatchObject({ severity: 'error', path: 'check.settings' });
      expect(d!.line).toBe(14);
      expect(d!.message).toContain('can be chosen by the tenant');
    }
  });

  it('accepts a literal origin and templated labels in front of a literal domain', () => {
    for (const base of ['https://api.example.com', 'https://{{config.shop}}.myshop.example.com/admin']) {
      const { diagnostics } = compileSource(manifest(base), '/virtual/connectors/demo/connector.yaml');
      expect(diagnostics.filter((d) => d.severity === 'error'), base).toEqual([]);
    }
    expect(proofHost('https://{{config.shop}}.myshop.example.com/admin')).toEqual({ suffix: '.myshop.example.com' });
    expect(reachesProofHost('https://acme.myshop.example.com/admin/x', { suffix: '.myshop.example.com' })).toBe(true);
    expect(reachesProofHost('https://evilmyshop.example.com/x', { suffix: '.myshop.example.com' })).toBe(false);
    expect(reachesProofHost('https://.myshop.example.com/x', { suffix: '.myshop.example.com' })).toBe(false);
  });

  it('a config value that moves the host off the provider\'s domain stops the check before any request', async () => {
    server = await startServer(() => ({ body: { id: 'acct_victim' } }));
    const port = new URL(server.url).port;
    const engine = await createEngine({ connectors: [compile(manifest('http://{{config.shop}}.myshop.example.com'))] });
    try {
      const err = await failure(engine.check({ connector: 'demo', config: { shop: `127.0.0.1:${port}/#` }, credentials: { token: 't0k3n' } }));
      expect(err).toMatchObject({ kind: 'config' });
      expect(err.message).toMatch(/outside the provider's \*\.myshop\.example\.com/);
      expect(server.seen).toHaveLength(0);
    } finally {
      await engine.close();
    }
  });

  it('a literal origin proves what the provider answers', async () => {
    server = await startServer(() => ({ body: { id: 'acct_own' } }));
    const engine = await createEngine({ connectors: [compile(manifest(server.url))] });
    try {
      expect(await engine.check({ connector: 'demo', credentials: { token: 't0k3n' } })).toMatchObject({ ok: true, settings: { account_id: 'acct_own' } });
      expect(server.seen).toHaveLength(1);
    } finally {
      await engine.close();
    }
  });
});
