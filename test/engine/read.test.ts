import { describe, expect, it } from 'vitest';
import type { ReadPage } from '../../engine/run/engine.js';
import { captureLogger, compile, deferred, engineOverServer, failure } from './helpers.js';

const MANIFEST = `
patchbay: 1
id: tracker
name: Tracker
config:
  type: object
  properties:
    start: { type: string }
auth: { type: bearer }
http:
  base_url: http://unused.invalid
  retry: { max_attempts: 1 }
  pagination: { type: cursor, next: next, param: { name: cursor } }
streams:
  issues:
    request:
      path: /issues
      query: { since: "{{state.cursor}}" }
    records: data
    primary_key: id
    cursor: { field: updated, initial: "{{config.start}}" }
    mapping: "{ 'id': $string(n), 'title': $uppercase(t), 'updated': u }"
  plain:
    request: { path: /plain }
    primary_key: id
  repos:
    request: { path: /repos }
    records: data
    primary_key: id
  repo_issues:
    parent: { stream: repos }
    request: { path: "/repos/{{parent.name}}/issues" }
    records: data
    primary_key: id
    mapping: "{ 'id': id, 'repo': $parent.name }"
  numbers:
    request: { path: /numbers }
    records: data
    primary_key: id
    cursor: { field: seq }
  prices:
    request: { path: /prices }
    records: data
    primary_key: id
    get: { request: { path: "/prices/{{id}}" } }
    mapping: "{ 'id': id, 'amount': $money(amount, currency ? currency : $settings.home_currency), 'region': $config.region, 'token': $config.token }"
`;

const fx = engineOverServer(() => new Map([['tracker', compile(MANIFEST, '/virtual/connectors/tracker/connector.yaml')]]));
const { setup } = fx;

const conn = (extra: Record<string, unknown> = {}) => ({ connector: 'tracker', id: 'r1', credentials: { token: 'tok_abcdef' }, baseUrl: fx.server.url, ...extra });

/** Three pages of issues in ascending `u`, served by cursor. */
const PAGES = [
  { data: [{ n: 1, t: 'a', u: '2024-01-01T00:00:00Z' }, { n: 2, t: 'b', u: '2024-01-02T00:00:00Z' }], next: 'p2' },
  { data: [{ n: 3, t: 'c', u: '2024-01-03T00:00:00Z' }], next: 'p3' },
  { data: [{ n: 4, t: 'd', u: '2024-01-04T08:00:00Z' }, { n: 5, t: 'e', u: '2024-01-04T07:00:00-02:00' }], next: null },
];
const byCursor = (req: { query: URLSearchParams }) => ({ body: PAGES[{ '': 0, p2: 1, p3: 2 }[req.query.get('cursor') ?? ''] as number] });

describe('read', () => {
  it('maps each page, pages through, and keeps the maximum cursor comparing instants', async () => {
    const e = await setup(byCursor);
    const reader = e.read(conn({ config: { start: '2023-12-01T00:00:00Z' } }), 'issues');
    const records = [];
    for await (const r of reader) records.push(r);
    expect(records).toEqual([
      { id: '1', title: 'A', updated: '2024-01-01T00:00:00Z' },
      { id: '2', title: 'B', updated: '2024-01-02T00:00:00Z' },
      { id: '3', title: 'C', updated: '2024-01-03T00:00:00Z' },
      { id: '4', title: 'D', updated: '2024-01-04T08:00:00Z' },
      { id: '5', title: 'E', updated: '2024-01-04T07:00:00-02:00' },
    ]);
    // 07:00-02:00 is 09:00Z: later than 08:00Z though it sorts first as a string.
    expect(reader.state).toEqual({ cursor: '2024-01-04T07:00:00-02:00' });
    expect([reader.pages, reader.records, reader.complete]).toEqual([3, 5, true]);
    expect(fx.server.seen.map((s) => s.query.get('since'))).toEqual(['2023-12-01T00:00:00Z', '2023-12-01T00:00:00Z', '2023-12-01T00:00:00Z']);
  });

  it('starts from state.cursor over cursor.initial and keeps other state keys', async () => {
    const e = await setup(() => ({ body: { data: [], next: null } }));
    const reader = e.read(conn({ config: { start: '2000-01-01' } }), 'issues', { state: { cursor: '2024-05-05T00:00:00Z', extra: 1 } });
    for await (const _ of reader) { /* drain */ }
    expect(fx.server.seen[0].query.get('since')).toBe('2024-05-05T00:00:00Z');
    expect(reader.state).toEqual({ cursor: '2024-05-05T00:00:00Z', extra: 1 });
  });

  it('sends no since parameter when there is no cursor yet', async () => {
    const e = await setup(() => ({ body: { data: [], next: null } }));
    for await (const _ of e.read(conn(), 'issues')) { /* drain */ }
    expect(fx.server.seen[0].query.has('since')).toBe(false);
  });

  it('yields pages with the state to resume from after each', async () => {
    const e = await setup(byCursor);
    const seen: ReadPage[] = [];
    const hooked: ReadPage[] = [];
    const reader = e.read(conn(), 'issues', { onPage: (p) => { hooked.push(p); } });
    for await (const page of reader.pagesIterable()) seen.push(page);
    expect(seen.map((p) => [p.records.map((r) => r.id), p.state])).toEqual([
      [['1', '2'], { cursor: '2024-01-02T00:00:00Z' }],
      [['3'], { cursor: '2024-01-03T00:00:00Z' }],
      [['4', '5'], { cursor: '2024-01-04T07:00:00-02:00' }],
    ]);
    expect(hooked).toEqual(seen);
  });

  it('does not checkpoint past records still to come when a stream arrives out of order', async () => {
    const e = await setup((req) => ({
      body: req.query.get('cursor') ? { data: [{ seq: 5 }, { seq: 7 }], next: null } : { data: [{ seq: 10 }, { seq: 3 }], next: 'x' },
    }));
    const pages: ReadPage[] = [];
    const reader = e.read(conn(), 'numbers', { state: { cursor: 2 } });
    for await (const p of reader.pagesIterable()) pages.push(p);
    expect(pages.map((p) => [p.records.length, p.state.cursor])).toEqual([[2, 2], [2, 2], [0, 10]]);
    expect(reader.state).toEqual({ cursor: 10 });
  });

  it('wraps a non-array selection and passes unmapped records through', async () => {
    const e = await setup(() => ({ body: { id: 'only', v: 1 } }));
    const records = [];
    for await (const r of e.read(conn(), 'plain')) records.push(r);
    expect(records).toEqual([{ id: 'only', v: 1 }]);
  });

  it('reads a child stream once per parent record with the parent in context', async () => {
    const e = await setup((req) => {
      if (req.path === '/repos') {
        return { body: req.query.get('cursor') ? { data: [{ name: 'gamma' }], next: null } : { data: [{ name: 'alpha' }, { name: 'beta' }], next: 'r2' } };
      }
      const repo = req.path.split('/')[2];
      if (repo === 'alpha') return { body: req.query.get('cursor') ? { data: [{ id: 'a2' }], next: null } : { data: [{ id: 'a1' }], next: 'more' } };
      return { body: { data: repo === 'beta' ? [] : [{ id: `${repo[0]}1` }], next: null } };
    });
    const records = [];
    for await (const r of e.read(conn(), 'repo_issues')) records.push(r);
    expect(records).toEqual([{ id: 'a1', repo: 'alpha' }, { id: 'a2', repo: 'alpha' }, { id: 'g1', repo: 'gamma' }]);
    expect(fx.server.seen.map((s) => `${s.path}${s.query.get('cursor') ? `?${s.query}` : ''}`)).toEqual([
      '/repos', '/repos/alpha/issues', '/repos/alpha/issues?cursor=more', '/repos/beta/issues', '/repos?cursor=r2', '/repos/gamma/issues',
    ]);
  });

  it("mappings see the connection's config and settings as $config and $settings, never its credentials", async () => {
    const e = await setup((req) => ({ body: req.path === '/prices' ? { data: [{ id: 'p1', amount: 5 }, { id: 'p2', amount: 5, currency: 'JPY' }], next: null } : { id: 'p3', amount: '1.5' } }));
    const c = conn({ config: { region: 'eu' }, settings: { home_currency: 'KWD' } });
    const records = [];
    for await (const r of e.read(c, 'prices')) records.push(r);
    expect(records).toEqual([
      { id: 'p1', amount: '5.000', region: 'eu' },
      { id: 'p2', amount: '5', region: 'eu' },
    ]);
    // A credential is not a config value: `$config.token` reads nothing though the connection has a token.
    expect(await e.get(c, 'prices', 'p3')).toEqual({ id: 'p3', amount: '1.500', region: 'eu' });
  });

  it('stops at limit without further requests; state covers only emitted records', async () => {
    const e = await setup(byCursor);
    const reader = e.read(conn(), 'issues', { limit: 3 });
    const ids = [];
    for await (const r of reader) ids.push(r.id);
    expect(ids).toEqual(['1', '2', '3']);
    expect(fx.server.seen).toHaveLength(2);
    expect(reader.state).toEqual({ cursor: '2024-01-03T00:00:00Z' });
    expect(reader.complete).toBe(false);

    const reader2 = e.read(conn(), 'issues', { limit: 1 });
    for await (const _ of reader2) { /* drain */ }
    expect(reader2.state).toEqual({ cursor: '2024-01-01T00:00:00Z' });
  });

  it('fails invalid reads on iteration, before any request, with the stream named', async () => {
    const e = await setup(byCursor);
    const drain = async (it: AsyncIterable<unknown>) => { for await (const _ of it) { /* drain */ } };
    await expect(drain(e.read(conn({ config: { start: 5 } }), 'issues'))).rejects.toMatchObject({ kind: 'config', operation: 'stream:issues', details: [{ path: 'config.start', message: 'must be string' }] });
    await expect(drain(e.read(conn(), 'isues'))).rejects.toMatchObject({ kind: 'config', message: expect.stringContaining('did you mean "issues"') });
    expect(fx.server.seen).toHaveLength(0);
  });

  it('keeps the state of the last good page when a later page fails, and logs the failure', async () => {
    const { logger, lines } = captureLogger();
    const e = await setup((req) => (req.query.get('cursor') === 'p3' ? { status: 503, body: { message: 'down' } } : byCursor(req)), logger);
    const reader = e.read(conn(), 'issues');
    const ids: unknown[] = [];
    const err = await failure((async () => { for await (const r of reader) ids.push(r.id); })());
    expect(err).toMatchObject({ kind: 'server', connector: 'tracker', operation: 'stream:issues' });
    expect(ids).toEqual(['1', '2', '3']);
    expect(reader.state).toEqual({ cursor: '2024-01-03T00:00:00Z' });
    const op = lines.filter((l) => 'outcome' in l);
    expect(op).toEqual([expect.objectContaining({ operation: 'stream:issues', outcome: 'error', pages: 2, records: 3 })]);
  });

  it('streams a 100-page read: records arrive before later pages are even requested', async () => {
    const PAGES_N = 100;
    const SIZE = 100;
    const lastServed = deferred();
    const releaseLast = deferred();
    const e = await setup(async (req) => {
      const n = Number(req.query.get('cursor') ?? 0);
      if (n === PAGES_N - 1) {
        // The last page is held until the consumer has seen records: an engine that
        // collected pages before yielding would never get past this.
        await releaseLast.promise;
        lastServed.resolve();
      }
      const data = Array.from({ length: SIZE }, (_, i) => ({ seq: n * SIZE + i, pad: 'x'.repeat(64) }));
      return { body: { data, next: n + 1 < PAGES_N ? String(n + 1) : null } };
    });
    const reader = e.read(conn(), 'numbers');
    let count = 0;
    let maxAhead = 0;
    for await (const r of reader) {
      if (count === 0) expect(fx.server.seen).toHaveLength(1);
      const pageOfRecord = Math.floor((r.seq as number) / SIZE) + 1;
      maxAhead = Math.max(maxAhead, fx.server.seen.length - pageOfRecord);
      if (count === 50) releaseLast.resolve();
      count++;
    }
    await lastServed.promise;
    expect(count).toBe(PAGES_N * SIZE);
    // Never more than the page being consumed has been requested.
    expect(maxAhead).toBe(0);
    expect(reader.state).toEqual({ cursor: PAGES_N * SIZE - 1 });
    expect(reader.pages).toBe(PAGES_N);
  });

  it('logs a consumer that stops early as stopped', async () => {
    const { logger, lines } = captureLogger();
    const e = await setup(byCursor, logger);
    for await (const _ of e.read(conn(), 'issues')) break;
    expect(lines.filter((l) => 'outcome' in l)).toEqual([expect.objectContaining({ operation: 'stream:issues', outcome: 'stopped', pages: 1, records: 2 })]);
  });
});
