import { afterEach, describe, expect, it } from 'vitest';
import { compileExpr } from '../../engine/lang/expr.js';
import type { PlanPagination } from '../../engine/plan/plan.js';
import { drivePages, asRecords } from '../../engine/components/pagination/drive.js';
import { createPaginator } from '../../engine/components/pagination/registry.js';
import type { InboundResponse, OutboundRequest } from '../../engine/core/wire.js';
import { get, send, startServer, type TestServer } from './helpers.js';

let server: TestServer | undefined;
afterEach(async () => { await server?.close(); server = undefined; });

const items = (res: InboundResponse) => Promise.resolve(asRecords((res.body as any)?.items));

async function collect(pagination: PlanPagination, request: OutboundRequest, select = items) {
  const pages: unknown[][] = [];
  for await (const p of drivePages({ pagination, request, send, select })) pages.push(p.records);
  return pages;
}

describe('cursor', () => {
  const tokens: Record<string, string | null> = { '': 'a', a: 'b', b: null };
  it('follows a query cursor over 3 pages, keeps the size param, stops on a null token', async () => {
    server = await startServer((req) => {
      const cur = req.query.get('cursor') ?? '';
      return { body: { items: [`${cur}1`, `${cur}2`], meta: { next: tokens[cur] } } };
    });
    const pagination: PlanPagination = { type: 'cursor', next: compileExpr('meta.next'), param: { in: 'query', name: 'cursor' }, sizeParam: 'limit', size: 2, maxPages: 100 };
    const pages = await collect(pagination, get(`${server.url}/list`, [['q', 'x']]));
    expect(pages).toEqual([['1', '2'], ['a1', 'a2'], ['b1', 'b2']]);
    expect(server.seen.map((s) => s.query.toString())).toEqual(['q=x&limit=2', 'q=x&limit=2&cursor=a', 'q=x&limit=2&cursor=b']);
  });

  it('sends the token in a nested body path, keeping its type, and reads $records', async () => {
    server = await startServer((req) => {
      const after = (req.body as any).paging?.after ?? 0;
      return { body: { items: after >= 4 ? [] : [{ id: after + 1 }, { id: after + 2 }] } };
    });
    const pagination: PlanPagination = { type: 'cursor', next: compileExpr('$records[-1].id'), param: { in: 'body', name: 'paging.after' }, sizeParam: 'limit', size: 2, maxPages: 100 };
    const request: OutboundRequest = { method: 'POST', url: `${server.url}/search`, query: [], headers: {}, body: { filter: 'f', paging: { keep: true } }, bodyFormat: 'json' };
    const pages = await collect(pagination, request);
    expect(pages.map((p) => p.length)).toEqual([2, 2, 0]);
    expect(server.seen.map((s) => s.body)).toEqual([
      { filter: 'f', paging: { keep: true }, limit: 2 },
      { filter: 'f', paging: { keep: true, after: 2 }, limit: 2 },
      { filter: 'f', paging: { keep: true, after: 4 }, limit: 2 },
    ]);
    expect(request.body).toEqual({ filter: 'f', paging: { keep: true } });
  });

  it('sends the token in a header and stops on an empty string', async () => {
    server = await startServer((req) => {
      const cur = String(req.headers['x-page'] ?? '');
      return { headers: { 'x-next': cur === '' ? 'p2' : cur === 'p2' ? 'p3' : '' }, body: { items: [cur] } };
    });
    const pagination: PlanPagination = { type: 'cursor', next: compileExpr('$headers.`x-next`'), param: { in: 'header', name: 'X-Page' }, maxPages: 100 };
    expect(await collect(pagination, get(`${server.url}/h`))).toEqual([[''], ['p2'], ['p3']]);
  });

  it('stops when stop_when is true even though a token is present', async () => {
    server = await startServer((req) => {
      const n = Number(req.query.get('starting_after') ?? 0);
      return { body: { items: [n + 1, n + 2], has_more: n + 2 < 6 } };
    });
    const pagination: PlanPagination = { type: 'cursor', next: compileExpr('$records[-1]'), param: { in: 'query', name: 'starting_after' }, stopWhen: compileExpr('$not(has_more)'), maxPages: 100 };
    expect(await collect(pagination, get(`${server.url}/s`))).toEqual([[1, 2], [3, 4], [5, 6]]);
    expect(server.seen).toHaveLength(3);
  });

  it('detects a server that returns the same cursor twice, naming the token', async () => {
    server = await startServer(() => ({ body: { items: [1], next: 'same' } }));
    const pagination: PlanPagination = { type: 'cursor', next: compileExpr('next'), param: { in: 'query', name: 'c' }, maxPages: 100 };
    await expect(collect(pagination, get(`${server.url}/loop`))).rejects.toMatchObject({
      kind: 'client',
      message: expect.stringMatching(/loop.*page 3.*page 2.*cursor "same"/),
    });
    expect(server.seen).toHaveLength(2);
  });

  it('fails with a clear error when max_pages is reached with more pages left', async () => {
    server = await startServer((req) => ({ body: { items: [1], next: String(Number(req.query.get('c') ?? 0) + 1) } }));
    const pagination: PlanPagination = { type: 'cursor', next: compileExpr('next'), param: { in: 'query', name: 'c' }, maxPages: 3 };
    await expect(collect(pagination, get(`${server.url}/m`))).rejects.toMatchObject({ kind: 'client', message: expect.stringMatching(/max_pages \(3\)/) });
    expect(server.seen).toHaveLength(3);
  });

  it('allows exactly max_pages pages when the last one ends the list', async () => {
    server = await startServer((req) => ({ body: { items: [1], next: req.query.get('c') === '2' ? null : String(Number(req.query.get('c') ?? 0) + 1) } }));
    const pagination: PlanPagination = { type: 'cursor', next: compileExpr('next'), param: { in: 'query', name: 'c' }, maxPages: 3 };
    expect(await collect(pagination, get(`${server.url}/m`))).toHaveLength(3);
  });
});

describe('offset', () => {
  it('grows the offset by records received and stops on a short page', async () => {
    server = await startServer((req) => {
      const off = Number(req.query.get('skip'));
      return { body: { items: [0, 1, 2].map((i) => off + i).filter((n) => n < 8) } };
    });
    const pagination: PlanPagination = { type: 'offset', offsetParam: 'skip', start: 0, sizeParam: 'take', size: 3, maxPages: 100 };
    expect(await collect(pagination, get(`${server.url}/o`))).toEqual([[0, 1, 2], [3, 4, 5], [6, 7]]);
    expect(server.seen.map((s) => s.query.toString())).toEqual(['take=3&skip=0', 'take=3&skip=3', 'take=3&skip=6']);
  });

  it('stops on an empty page when the total is a multiple of the size', async () => {
    server = await startServer((req) => ({ body: { items: Number(req.query.get('offset')) >= 4 ? [] : [1, 2] } }));
    const pagination: PlanPagination = { type: 'offset', offsetParam: 'offset', start: 0, sizeParam: 'limit', size: 2, maxPages: 100 };
    expect((await collect(pagination, get(`${server.url}/o`))).map((p) => p.length)).toEqual([2, 2, 0]);
  });
});

describe('page', () => {
  it('counts pages from start and stops on a short page', async () => {
    server = await startServer((req) => {
      const p = Number(req.query.get('p'));
      return { body: { items: p < 3 ? ['x', 'y'] : ['z'] } };
    });
    const pagination: PlanPagination = { type: 'page', pageParam: 'p', start: 1, sizeParam: 'per_page', size: 2, maxPages: 100 };
    expect(await collect(pagination, get(`${server.url}/p`))).toEqual([['x', 'y'], ['x', 'y'], ['z']]);
    expect(server.seen.map((s) => s.query.toString())).toEqual(['per_page=2&p=1', 'per_page=2&p=2', 'per_page=2&p=3']);
  });

  it('without a size stops only on an empty page', async () => {
    server = await startServer((req) => ({ body: { items: Number(req.query.get('page')) > 3 ? [] : [1] } }));
    const pagination: PlanPagination = { type: 'page', pageParam: 'page', start: 1, maxPages: 100 };
    expect((await collect(pagination, get(`${server.url}/p`))).length).toBe(4);
  });
});

describe('link_header', () => {
  it('follows absolute and relative next links, replacing the query', async () => {
    server = await startServer((req, _i, base) => {
      const p = Number(req.query.get('page') ?? 1);
      const links = [
        p === 1 ? `<${base}/repos/issues?page=2&per_page=2>; rel="next", <${base}/repos/issues?page=3&per_page=2>; rel="last"` : '',
        p === 2 ? '<issues?per_page=2&page=3>; rel="next last", </repos/issues?page=1>; rel=first' : '',
      ].filter(Boolean);
      const headers: Record<string, string[]> = links.length ? { link: links } : {};
      return { headers, body: { items: [p] } };
    });
    const pagination: PlanPagination = { type: 'link_header', rel: 'next', sizeParam: 'per_page', size: 2, maxPages: 100 };
    expect(await collect(pagination, get(`${server.url}/repos/issues`, [['state', 'all']]))).toEqual([[1], [2], [3]]);
    expect(server.seen.map((s) => `${s.path}?${s.query}`)).toEqual([
      '/repos/issues?state=all&per_page=2',
      '/repos/issues?page=2&per_page=2',
      '/repos/issues?per_page=2&page=3',
    ]);
  });

  it('refuses a next link on another origin (credentials would follow it)', async () => {
    server = await startServer(() => ({ headers: { link: '<https://elsewhere.example/x?page=2>; rel="next"' }, body: { items: [1] } }));
    const pagination: PlanPagination = { type: 'link_header', rel: 'next', maxPages: 100 };
    await expect(collect(pagination, get(`${server.url}/a`))).rejects.toMatchObject({ kind: 'client', message: expect.stringContaining('leaves the API origin') });
  });
});

describe('next_url', () => {
  it('replaces url and query with the next URL, keeping the old query only when it has none', async () => {
    server = await startServer((req, i, base) => {
      const next = [`${base}/v1/users?$skiptoken=abc`, `${base}/v1/users/more`, null][i];
      return { body: { value: [i], '@odata.nextLink': next } };
    });
    const pagination: PlanPagination = { type: 'next_url', next: compileExpr('$."@odata.nextLink"'), sizeParam: '$top', size: 5, maxPages: 100 };
    const pages = await collect(pagination, get(`${server.url}/v1/users`), (r) => Promise.resolve(asRecords((r.body as any).value)));
    expect(pages).toEqual([[0], [1], [2]]);
    expect(server.seen.map((s) => `${s.path}?${s.query}`)).toEqual([
      '/v1/users?%24top=5',
      '/v1/users?%24skiptoken=abc',
      '/v1/users/more?%24skiptoken=abc',
    ]);
  });

  it('with keepQuery false sends a next URL without a query as it is', async () => {
    server = await startServer((_req, i) => ({ body: { value: [i], next: i === 0 ? '/q/locator-2000' : null } }));
    const pagination: PlanPagination = { type: 'next_url', next: compileExpr('next'), keepQuery: false, maxPages: 100 };
    const req = get(`${server.url}/q`);
    const pages = await collect(pagination, { ...req, query: [['q', 'SELECT Id FROM X']] }, (r) => Promise.resolve(asRecords((r.body as any).value)));
    expect(pages).toEqual([[0], [1]]);
    expect(server.seen.map((s) => `${s.path}?${s.query}`)).toEqual(['/q?q=SELECT+Id+FROM+X', '/q/locator-2000?']);
  });
});

describe('driver and registry', () => {
  it('none sends one request even when the body looks paginated', async () => {
    server = await startServer(() => ({ body: { items: [1, 2], next: 'x' } }));
    expect(await collect({ type: 'none', maxPages: 1 }, get(`${server.url}/n`))).toEqual([[1, 2]]);
    expect(server.seen).toHaveLength(1);
  });

  it('is lazy: a consumer that stops early causes no further requests', async () => {
    server = await startServer((req) => ({ body: { items: [1], next: String(Number(req.query.get('c') ?? 0) + 1) } }));
    const pagination: PlanPagination = { type: 'cursor', next: compileExpr('next'), param: { in: 'query', name: 'c' }, maxPages: 100 };
    let n = 0;
    for await (const _ of drivePages({ pagination, request: get(`${server.url}/l`), send, select: items })) if (++n === 2) break;
    expect(server.seen).toHaveLength(2);
  });

  it('stops before sending when the signal is aborted', async () => {
    server = await startServer(() => ({ body: { items: [1], next: 'x' } }));
    const ac = new AbortController();
    const pagination: PlanPagination = { type: 'cursor', next: compileExpr('next'), param: { in: 'query', name: 'c' }, maxPages: 100 };
    const run = async () => { for await (const _ of drivePages({ pagination, request: get(`${server!.url}/a`), send, select: items, signal: ac.signal })) ac.abort(); };
    await expect(run()).rejects.toMatchObject({ message: 'Operation aborted' });
    expect(server.seen).toHaveLength(1);
  });

  it('rejects an unknown pagination type listing the known ones', () => {
    expect(() => createPaginator({ type: 'bogus' } as unknown as PlanPagination)).toThrow(/bogus.*cursor, offset, page, link_header, next_url/);
  });
});
