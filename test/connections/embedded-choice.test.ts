/**
 * Set-up steps through the embedded platform (no HTTP runtime), on SQLite and PostgreSQL: a
 * Facebook-like Graph server where the first step exchanges the user's token for a
 * long-lived one (a credential written, sealed) and the second lists the user's Pages, each
 * with its own Page token, to choose from.
 *
 * Graph API: `GET /oauth/access_token?grant_type=fb_exchange_token&client_id&client_secret&fb_exchange_token`
 * answers `{ access_token, token_type, expires_in }`; `GET /me/accounts` answers
 * `{ data: [{ access_token, category, name, id, tasks }], paging }`.
 * https://developers.facebook.com/docs/facebook-login/guides/access-tokens/get-long-lived
 * https://developers.facebook.com/docs/pages-api/getting-started
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlatform, type Platform } from '../../engine/platform/platform.js';
import { isConnectorError } from '../../engine/core/errors.js';
import { presentConnection } from '../../engine/platform/present/resources.js';
import { compile } from '../engine/helpers.js';
import { LOCAL_OUTBOUND } from '../outbound/helpers.js';
import { databaseKinds, KEY_A, type TestDatabase } from '../store/databases.js';
import { startProvider, type Provider } from './providers.js';

const PAGES = [
  { access_token: 'page-token-101', category: 'Bakery', category_list: [{ id: '1', name: 'Bakery' }], name: 'Corner Bakery', id: '101', tasks: ['ANALYZE', 'ADVERTISE', 'MODERATE', 'CREATE_CONTENT', 'MANAGE'] },
  { access_token: 'page-token-202', category: 'Cafe', category_list: [{ id: '2', name: 'Cafe' }], name: 'Harbour Cafe', id: '202', tasks: ['ANALYZE', 'CREATE_CONTENT'] },
];

let graph: Provider;
let accountsFail = false;

const manifest = () => `
patchbay: 1
id: facebook_pages
name: Facebook Pages
credentials:
  type: object
  required: [access_token]
  properties:
    access_token: { type: string }
    client_id: { type: string }
    client_secret: { type: string }
auth: { type: bearer, token: '{{credentials.access_token}}' }
http:
  base_url: ${graph.url}/v19.0
  retry: { max_attempts: 1 }
setup:
  - name: long_lived
    request:
      path: /oauth/access_token
      query: { grant_type: fb_exchange_token, client_id: '{{credentials.client_id}}', client_secret: '{{credentials.client_secret}}', fb_exchange_token: '{{credentials.access_token}}' }
    credentials: { access_token: access_token }
  - name: page
    request: { path: /me/accounts }
    choose: { from: data, id: id, label: name }
    settings: { page_id: id, page_name: name }
    credentials: { access_token: access_token }
check:
  request: { path: /me, query: { fields: 'id,name' } }
  settings: { checked_page: id }
`;

beforeAll(async () => {
  graph = await startProvider((r) => {
    const token = String(r.headers.authorization ?? '').replace(/^Bearer /, '');
    if (r.path === '/v19.0/oauth/access_token') {
      if (r.query.get('fb_exchange_token') !== 'short-user-token' || r.query.get('client_secret') !== 'fb-app-secret') {
        return { status: 400, body: { error: { message: 'Error validating access token', type: 'OAuthException', code: 190 } } };
      }
      return { body: { access_token: 'long-user-token', token_type: 'bearer', expires_in: 5183944 } };
    }
    if (r.path === '/v19.0/me/accounts') {
      if (accountsFail) return { status: 500, body: { error: { message: 'An unexpected error has occurred.', type: 'OAuthException', code: 2 } } };
      if (token !== 'long-user-token') return { status: 400, body: { error: { message: 'Invalid OAuth access token.', type: 'OAuthException', code: 190 } } };
      return { body: { data: PAGES, paging: { cursors: { before: 'QVFIU', after: 'QVFIR' } } } };
    }
    if (r.path === '/v19.0/me') {
      const page = PAGES.find((p) => p.access_token === token);
      return page ? { body: { id: page.id, name: page.name } } : { status: 400, body: { error: { message: 'Invalid OAuth access token.', type: 'OAuthException', code: 190 } } };
    }
    return { status: 404, body: {} };
  });
});

afterAll(async () => {
  await graph?.stop();
});

for (const kind of databaseKinds()) {
  describe.skipIf(!kind.available)(`choosing a Facebook Page through the embedded platform on ${kind.dialect}`, () => {
    let db: TestDatabase;
    let platform: Platform;

    beforeAll(async () => {
      db = await kind.create('setup-choice');
      platform = await createPlatform({ database: db.url, connectors: [compile(manifest())], secretKeys: KEY_A, outbound: LOCAL_OUTBOUND });
    });
    afterAll(async () => {
      await platform?.close();
      await db?.cleanup();
    });

    const connect = (name: string) =>
      platform.connections.create({ tenant: 'acme', connector: 'facebook_pages', name, credentials: { access_token: 'short-user-token', client_id: 'fb-app', client_secret: 'fb-app-secret' } });

    it('waits with the Pages as options, holding the long-lived user token; the choice stores the Page token', async () => {
      const waiting = await connect('pages');
      expect(waiting.status).toBe('needs_choice');
      const shown = presentConnection(waiting);
      expect(shown.pending_choice).toEqual({ step: 'page', options: [{ id: '101', label: 'Corner Bakery' }, { id: '202', label: 'Harbour Cafe' }] });
      expect(JSON.stringify(waiting.settings)).not.toContain('page-token');
      const held = await platform.connections.resolve({ tenant: 'acme', id: waiting.id });
      expect(held.connection.credentials?.access_token).toBe('long-user-token');
      // Nothing runs for it until the pick: a sync is refused before any request.
      const before = graph.received.length;
      await expect(platform.sync({ tenant: 'acme', id: waiting.id }, 'posts')).rejects.toMatchObject({ kind: 'conflict', code: 'connection_needs_choice' });
      expect(graph.received.length).toBe(before);

      const done = await platform.connections.choose({ tenant: 'acme', id: waiting.id }, '202');
      expect(done.status).toBe('active');
      expect(done.settings).toMatchObject({ page_id: '202', page_name: 'Harbour Cafe', checked_page: '202' });
      expect(presentConnection(done).pending_choice).toBeUndefined();
      const after = await platform.connections.resolve({ tenant: 'acme', id: waiting.id });
      expect(after.connection.credentials?.access_token).toBe('page-token-202');
      expect(after.connection.credentials?.client_secret).toBe('fb-app-secret');
      expect(graph.received.filter((r) => r.path === '/v19.0/me').at(-1)?.headers.authorization).toBe('Bearer page-token-202');
    });

    it('a choice whose request fails changes nothing: the connection keeps waiting with its options', async () => {
      const waiting = await connect('pages-fail');
      accountsFail = true;
      try {
        const err = await platform.connections.choose(waiting.id, '101').catch((e: unknown) => e);
        expect(isConnectorError(err)).toBe(true);
        expect((err as Error).message).toContain('setup step "page" of connector facebook_pages failed');
        expect((err as Error).message).not.toContain('long-user-token');
      } finally {
        accountsFail = false;
      }
      const still = (await platform.connections.get(waiting.id))!;
      expect(still.status).toBe('needs_choice');
      expect(presentConnection(still).pending_choice).toEqual(presentConnection(waiting).pending_choice);
      expect((await platform.connections.resolve(waiting.id)).connection.credentials?.access_token).toBe('long-user-token');
    });

    it('a failed first step stores nothing', async () => {
      const err = await platform.connections.create({ tenant: 'acme', connector: 'facebook_pages', name: 'bad', credentials: { access_token: 'short-user-token', client_id: 'fb-app', client_secret: 'wrong' } }).catch((e: unknown) => e);
      expect(isConnectorError(err) && err.operation).toBe('setup:long_lived');
      expect((err as Error).message).not.toContain('wrong');
      expect(await platform.connections.findByName('acme', 'facebook_pages', 'bad')).toBeUndefined();
    });
  });
}
