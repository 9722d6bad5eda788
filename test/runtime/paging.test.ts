/**
 * One paging dialect on every list route: `limit` and an opaque `cursor` in; the items,
 * `next_cursor` and `has_more` out. Walking a list one item a page visits every item exactly
 * once, in the order of the whole list, and ends with `has_more: false`; a cursor the server
 * never handed out is a 400 `invalid_cursor` on every route; a limit out of range is a 400.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS } from '../../engine/platform/store/paging.js';
import { listRoutes, seedTenant, TENANT, type Seeded } from './seed.js';

let s: Seeded;

beforeAll(async () => {
  s = await seedTenant();
}, 60_000);
afterAll(async () => {
  await s?.close();
});

const withQuery = (path: string, q: string) => `${path}${path.includes('?') ? '&' : '?'}${q}`;
const keyOf = (admin?: boolean) => (admin ? s.rt.adminKey : s.key);
const idOf = (item: { id: string; seq?: number }) => item.id;

describe('paging every list route', () => {
  it.each([0, 1, 2, 3, 4, 5, 6, 7, 8])('route %i: limit=1 visits every item once, in order, ending with has_more false', async (i) => {
    const route = listRoutes(s)[i];
    const key = keyOf(route.admin);
    const max = LIMITS[route.items as keyof typeof LIMITS].max;
    const whole = await s.rt.call('GET', withQuery(route.path, `limit=${max}`), { key });
    expect(whole.status, whole.text).toBe(200);
    const all = whole.body[route.items].map(idOf);
    expect(all.length, route.path).toBeGreaterThanOrEqual(2);
    expect(whole.body.has_more).toBe(false);

    const seen: string[] = [];
    let cursor: string | undefined;
    for (let pages = 0; ; pages++) {
      expect(pages).toBeLessThanOrEqual(all.length);
      const page = await s.rt.call('GET', withQuery(route.path, `limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`), { key });
      expect(page.status, page.text).toBe(200);
      expect(Object.keys(page.body).sort()).toEqual([route.items, 'has_more', 'next_cursor'].sort());
      expect(page.body[route.items].length).toBeLessThanOrEqual(1);
      seen.push(...page.body[route.items].map(idOf));
      if (!page.body.has_more) {
        // The change feed's cursor is where to resume later; every other list ends with null.
        if (route.items === 'changes') expect(page.body.next_cursor).toEqual(expect.any(String));
        else expect(page.body.next_cursor).toBeNull();
        break;
      }
      expect(page.body.next_cursor).toMatch(/^[A-Za-z0-9_-]+$/);
      cursor = page.body.next_cursor;
    }
    expect(seen).toEqual(all);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it.each([0, 1, 2, 3, 4, 5, 6, 7, 8])('route %i: a cursor it never handed out is 400 invalid_cursor', async (i) => {
    const route = listRoutes(s)[i];
    const other = Buffer.from(JSON.stringify(['x', 1, 'y'])).toString('base64url');
    for (const bad of ['nonsense!', 'abc', other, '']) {
      const res = await s.rt.call('GET', withQuery(route.path, `cursor=${encodeURIComponent(bad)}`), { key: keyOf(route.admin) });
      expect(res.status, `${route.path} cursor=${bad}: ${res.text}`).toBe(400);
      expect(res.body).toMatchObject({ code: 'invalid_cursor', errors: [{ path: 'query.cursor' }] });
    }
  });

  it.each([0, 1, 2, 3, 4, 5, 6, 7, 8])('route %i: a limit out of range is a 400 naming it', async (i) => {
    const route = listRoutes(s)[i];
    for (const bad of ['0', '-1', 'ten', '100000']) {
      const res = await s.rt.call('GET', withQuery(route.path, `limit=${bad}`), { key: keyOf(route.admin) });
      expect(res.status, `${route.path} limit=${bad}`).toBe(400);
      expect(JSON.stringify(res.body.errors)).toContain('query.limit');
    }
  });

  it('shows no internal field in any list: no lease owner, no reserved setting', async () => {
    for (const route of listRoutes(s)) {
      const res = await s.rt.call('GET', route.path, { key: keyOf(route.admin) });
      expect(res.text).not.toMatch(/lease_owner|leaseOwner|lease_expires|_patchbay_/);
    }
    // The sweeps above spend this file's key down to its burst; a key of its own keeps the
    // per-key limit (tested elsewhere) out of what this asserts.
    const own = (await s.rt.running.app.runtime.services.keys.create({ tenant: TENANT })).key;
    const conn = await s.rt.call('GET', `/v1/connections/${s.conn.id}`, { key: own });
    expect(conn.body).toMatchObject({ base_url: s.stripe.url, base_url_status: 'applied', settings: {} });
  });
});
